"""The words and icons of verdicts and outcomes, taken from the single-server reports so both agree."""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from rocketchat_contract.judge.verdicts import Verdict
from rocketchat_contract.reports.markdown import VERDICTS, cell, code, first_line, label

ICONS = {verdict.value: verdict.icon for verdict in Verdict}
MARKS = {verdict.value: verdict.mark for verdict in Verdict}
LEGEND = {verdict.value: verdict.legend for verdict in Verdict}

OUTCOMES = ("pass", "fail", "untestable", "interrupted")
"""A target's outcome; each is its own label."""
OUTCOME_LABELS = {outcome: outcome for outcome in OUTCOMES}
OUTCOME_ICONS = {"pass": "✅", "fail": "❌", "untestable": "⛔", "interrupted": "⏹"}
OUTCOME_MEANING = {
    "pass": "pytest exited 0: no violation (known drift and unverified clauses do not fail a run).",
    "fail": "pytest exited 1: a violation, or known drift with strict_docs, or an unverified clause with "
    "require_verified.",
    "untestable": "the target could not be tested (unreachable, not Rocket.Chat, credentials refused…); the reason "
    "says why.",
    "interrupted": "the fleet was stopped (Ctrl-C, SIGTERM) before this target's run ended.",
}
NOT_JUDGED = "-"


def headline_label(headline: str) -> str:
    """The word for a target's headline (its worst verdict, or untestable/interrupted)."""
    return OUTCOME_LABELS.get(headline) or label(headline)


def version_key(version: str | None) -> str:
    """A string that sorts versions numerically (8.10 after 8.9); unknown versions sort last."""
    if not version:
        return "~"
    try:
        parsed = Version(version)
    except InvalidVersion:
        return "~" + version
    return ".".join(f"{part:05d}" for part in (*parsed.release, 0, 0)[:3])


__all__ = [
    "ICONS",
    "LEGEND",
    "MARKS",
    "NOT_JUDGED",
    "OUTCOMES",
    "OUTCOME_ICONS",
    "OUTCOME_LABELS",
    "OUTCOME_MEANING",
    "VERDICTS",
    "cell",
    "code",
    "first_line",
    "headline_label",
    "label",
    "version_key",
]
