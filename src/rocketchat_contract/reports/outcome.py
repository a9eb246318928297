"""The overall outcome of a report, stated first in the Markdown and HTML reports: pass, fail or not tested."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rocketchat_contract.judge.verdicts import Verdict

FINDING_ORDER = (Verdict.VIOLATION, Verdict.KNOWN_DRIFT, Verdict.NOT_VERIFIED)
"""The order findings are listed in: what fails a run first, then what explains a difference, then what is missing."""


@dataclass(frozen=True)
class Outcome:
    """What a report comes to, as its banner says it."""

    key: str
    """pass, fail or not-tested (the CSS class of the HTML banner)."""
    label: str
    mark: str
    reason: str
    clauses: tuple[str, ...] = ()
    """The clauses that make a run fail."""


def _ids(report: dict[str, Any], verdict: Verdict) -> tuple[str, ...]:
    return tuple(c["id"] for c in report["clauses"] if c["verdict"] == verdict.value)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if what != "violation" or n == 1 else f"{n} violations"


def outcome(report: dict[str, Any]) -> Outcome:
    """The run's outcome as pytest's exit status has it: a violation (or, with --strict-docs, known drift) fails.

    Known drift and unverified clauses alone do not fail a run; the reason says how many there are."""
    if report.get("aborted"):
        return Outcome("not-tested", "NOT TESTED", "⛔", f"nothing was judged: {report['aborted']}")
    violations, drift = _ids(report, Verdict.VIOLATION), _ids(report, Verdict.KNOWN_DRIFT)
    unverified = _ids(report, Verdict.NOT_VERIFIED)
    rest = [
        _count(len(ids), verdict.label)
        for ids, verdict in ((drift, Verdict.KNOWN_DRIFT), (unverified, Verdict.NOT_VERIFIED))
        if ids
    ]
    if violations:
        return Outcome("fail", "FAIL", "❌", _count(len(violations), "violation"), violations)
    if drift and report["strict_docs"]:
        return Outcome("fail", "FAIL", "❌", f"{len(drift)} known drift, which --strict-docs counts as failure", drift)
    return Outcome("pass", "PASS", "✅", "no violation" + (f" ({', '.join(rest)})" if rest else ""))


def finding_rank(verdict: str) -> int:
    """Where a clause with ``verdict`` is listed among the findings (unknown verdicts last)."""
    order = [v.value for v in FINDING_ORDER]
    return order.index(verdict) if verdict in order else len(order)
