"""The fleet report as data: one record per target (outcome, version, verdicts, its own compliance report).

This document is what the JSON fleet report holds (schemas/fleet/fleet-report.schema.json), what the
Markdown and HTML reports render, what ``--merge`` combines and what ``diff`` compares.
"""

from __future__ import annotations

import re
import signal
from datetime import UTC, datetime
from typing import Any

from rocketchat_contract import __version__
from rocketchat_contract.contract.catalogue import contract
from rocketchat_contract.fleet.launch import redacted_url
from rocketchat_contract.fleet.runner import TargetRun
from rocketchat_contract.fleet.vocabulary import OUTCOMES, VERDICTS
from rocketchat_contract.judge.verdicts import Verdict, verdict_of
from rocketchat_contract.judge.verdicts import worst as worst_verdict
from rocketchat_contract.reports.load import FLEET
from rocketchat_contract.results.exit_status import CANNOT_TEST, FAILED, INTERRUPTED, PASSED

_PYTEST_EXITS = {2: "interrupted", 3: "internal error", 4: "usage error", 5: "no tests collected"}
_EXIT_LINE = re.compile(r"Exit: (?P<message>.+?)\s*!*\s*$", re.DOTALL)
_ERROR_LINE = re.compile(r"^ERROR: (?P<message>.+)$", re.MULTILINE)
_OWN_LINE = "rocketchat-contract: "
"""How the suite's closing line starts when a run cannot test its target (only that line, exit status 4)."""
REASON_LIMIT = 600


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def outcome(run: TargetRun) -> tuple[str, str | None]:
    """The target's outcome and, unless it passed or failed on violations, why."""
    if run.problem and run.status is None:
        interrupted = run.problem.startswith(("not started", "killed"))
        return ("interrupted" if interrupted else "untestable"), run.problem
    if run.status is not None and run.status < 0:
        name = _signal_name(-run.status)
        if -run.status in (signal.SIGINT, signal.SIGTERM):
            return "interrupted", f"ended by {name} before pytest could act on it; {_tail(run.output)}"
        return "untestable", f"pytest was killed by {name}; {_tail(run.output)}"
    if run.signalled and run.status in (0, 1):
        return "interrupted", (
            f"the fleet's interrupt reached it while it ran, yet pytest exited {run.status}: a run that was stopped "
            f"part way is no verdict; {_tail(run.output)}"
        )
    if run.status in (0, 1) and run.report is None:
        return "untestable", f"pytest exited {run.status} but wrote no valid compliance report; {_tail(run.output)}"
    if run.status == 0:
        return "pass", None
    if run.status == 1:
        assert run.report is not None
        return "fail", None if run.report["summary"]["violation"] else _failed_without_violation(run)
    if run.status == INTERRUPTED:
        return "interrupted", "interrupted; " + _tail(run.output)
    if run.status == CANNOT_TEST:
        return "untestable", _reason(run.output)
    meaning = _PYTEST_EXITS.get(run.status or -1, "an unexpected exit status")
    return "untestable", f"pytest exited {run.status} ({meaning}): {_reason(run.output)}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _failed_without_violation(run: TargetRun) -> str:
    why = _flag_failure(run.report or {}, require_verified="require_verified" in run.spec.flags)
    return why or f"pytest exited 1 without a violation in the report; {_tail(run.output)}"


def _flag_failure(report: dict[str, Any], *, require_verified: bool) -> str | None:
    """Why a report without a violation fails its run under the target's settings, or None if it does not."""
    summary = report.get("summary", {})
    if report.get("strict_docs") and summary.get("known-drift"):
        return "strict_docs: known drift counts as a failure"
    if require_verified and summary.get("not-verified"):
        return "require_verified: an unverified clause counts as a failure"
    return None


def _reason(output: str) -> str:
    """The one message an exit-4 run printed (its closing line, pytest.exit's or a usage error's), else its last
    line."""
    last = next((line.strip() for line in reversed(output.splitlines()) if line.strip()), "")
    if match := _EXIT_LINE.search(output):
        message = match["message"]
    elif last.startswith(_OWN_LINE):
        message = last
    elif errors := _ERROR_LINE.findall(output):
        message = errors[-1]
    else:
        message = _tail(output)
    message = " ".join(message.split()).removeprefix(_OWN_LINE)
    return message if len(message) <= REASON_LIMIT else message[: REASON_LIMIT - 1] + "…"


def _tail(output: str) -> str:
    lines = [line.strip("=! ") for line in output.splitlines() if line.strip("=! ")]
    return f"last output line: {lines[-1]}" if lines else "no output"


def target_record(run: TargetRun) -> dict[str, Any]:
    """The fleet report's entry for one target."""
    result, reason = outcome(run)
    report = run.report
    return {
        "name": run.spec.name,
        "base_url": redacted_url(run.spec.base_url),
        "outcome": result,
        "reason": reason,
        "exit_status": run.status,
        **_judged(report),
        "settings": run.spec.settings(),
        "credential_variables": list(run.variables),
        "duration_s": round(run.duration, 2),
        "peak_rss_mb": None if run.peak_rss_kb is None else round(run.peak_rss_kb / 1024, 1),
        "report": report,
    }


def _judged(report: dict[str, Any] | None) -> dict[str, Any]:
    """A target entry's fields taken from its compliance report (empty ones without a report)."""
    return {
        "server_version": report.get("server_version") if report else None,
        "judged_as": report.get("judged_as") if report else None,
        "era": report.get("era") if report else None,
        "summary": dict(report["summary"]) if report else {v: 0 for v in VERDICTS},
        "verdicts": {c["id"]: c["verdict"] for c in report["clauses"]} if report else {},
    }


def rejudged_record(target: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    """A tested target's entry with its compliance report replaced by ``report`` (judged again offline): the
    outcome, reason and exit status pytest would have given for it, under the target's own settings."""
    flags = target["settings"]
    violations = bool(report["summary"].get(Verdict.VIOLATION.value))
    why = None if violations else _flag_failure(report, require_verified=bool(flags.get("require_verified")))
    failed = violations or why is not None
    return {
        **target,
        "outcome": "fail" if failed else "pass",
        "reason": why,
        "exit_status": FAILED if failed else PASSED,
        **_judged(report),
        "report": report,
    }


def clause_columns(targets: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Every clause any target judged, in catalogue order (unknown ones after, as first seen), with its title."""
    titles: dict[str, str] = {}
    for target in targets:
        for clause in (target["report"] or {}).get("clauses", []):
            titles.setdefault(clause["id"], clause["title"])
    order = {clause.id: index for index, clause in enumerate(contract().clauses)}
    seen = list(titles)
    ranked = sorted(seen, key=lambda cid: (order.get(cid, len(order)), seen.index(cid)))
    return [{"id": cid, "title": titles[cid]} for cid in ranked]


def exit_status(targets: list[dict[str, Any]], *, allow_untestable: bool) -> int:
    """2 when interrupted (as pytest), else 1 on any failure, else 4 on any untestable target (unless allowed)."""
    outcomes = {t["outcome"] for t in targets}
    if "interrupted" in outcomes:
        return INTERRUPTED
    if "fail" in outcomes:
        return FAILED
    if "untestable" in outcomes and not allow_untestable:
        return CANNOT_TEST
    return PASSED


def fleet_document(
    targets: list[dict[str, Any]],
    *,
    sources: list[str],
    started_at: str,
    finished_at: str,
    allow_untestable: bool,
    shard: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the fleet report from target records (a fresh run's, or merged reports'); ``shard`` is
    ``shard_record``'s for a run of one shard, None for a whole fleet."""
    counts = {name: sum(t["outcome"] == name for t in targets) for name in OUTCOMES}
    return {
        **FLEET.head(),
        "suite_version": __version__,
        "sources": sources,
        "started_at": started_at,
        "finished_at": finished_at,
        "allow_untestable": allow_untestable,
        "shard": shard,
        "exit_status": exit_status(targets, allow_untestable=allow_untestable),
        "summary": {"targets": len(targets), **counts},
        "clauses": clause_columns(targets),
        "targets": targets,
    }


def shard_record(
    index: int, count: int, *, fleet_targets: int, fleet_sha256: str, positions: list[int]
) -> dict[str, Any]:
    """The report's ``shard``: which shard of which fleet file it is, and where its targets stand in that file, so
    that ``--merge`` can check the shards belong together and put their targets back in the file's order."""
    return {
        "index": index,
        "count": count,
        "fleet_targets": fleet_targets,
        "fleet_sha256": fleet_sha256,
        "positions": positions,
    }


def worst(target: dict[str, Any]) -> str:
    """The target's headline: its outcome when it has no verdicts, else its most severe verdict."""
    if target["outcome"] in ("untestable", "interrupted"):
        return str(target["outcome"])
    # The summary also counts "partly-verified" clauses, which is no verdict of its own.
    present = [verdict for v, n in target["summary"].items() if n and (verdict := verdict_of(v)) is not None]
    return worst_verdict(present).value if present else Verdict.NOT_VERIFIED.value


def partly_verified(target: dict[str, Any]) -> dict[str, list[str]]:
    """The clauses whose verdict rests on only some of their probes, each with the probes not verified: its
    report's ``partly_verified`` (a clause that is not-verified as a whole is not partly)."""
    return dict((target["report"] or {}).get("partly_verified", {}))


HEADLINE_RANK = {**{v.value: v.rank for v in Verdict}, "interrupted": 3, "untestable": 4}
"""Order of targets sorted by headline: verdict severity (verdicts.py), then the targets without verdicts."""
