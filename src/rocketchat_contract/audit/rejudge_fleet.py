"""Judging every tested target of a fleet report again, offline.

Each target's embedded compliance report is re-judged as ``rejudge`` judges a single one, under the target's own
settings (its ``rc_version``, ``strict_docs``, ``require_verified``); untestable and interrupted targets stay as
they were. The result is a fleet report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rocketchat_contract.audit.rejudge import (
    RejudgeError,
    check_bound,
    check_rejudgeable,
    rejudge,
    rejudged_report,
)
from rocketchat_contract.fleet.diff import TESTED
from rocketchat_contract.fleet.model import fleet_document, rejudged_record


def embedded_report(target: dict[str, Any], source: Path) -> dict[str, Any] | None:
    """A tested target's compliance report, checked to be judged again; None for a target that was not tested."""
    if target["outcome"] not in TESTED or not target["report"]:
        return None
    return check_rejudgeable(target["report"], f"{source} target {target['name']}")


def rejudge_fleet(
    document: dict[str, Any], source: Path, extra_drift: tuple[str, ...] = (), *, strict_docs: bool = False
) -> dict[str, Any]:
    """The fleet report with every tested target judged again (RejudgeError names the target that cannot be)."""
    targets = []
    for target in document["targets"]:
        report = embedded_report(target, source)
        if report is None:
            targets.append(target)
            continue
        try:
            check_bound(report, "its report")
            result = rejudge(report, extra_drift, target["settings"].get("rc_version"))
        except RejudgeError as exc:
            raise RejudgeError(f"target {target['name']}: {exc}") from None
        again = rejudged_report(result, report, strict_docs=strict_docs or report["strict_docs"])
        targets.append(rejudged_record(target, again))
    return fleet_document(
        targets,
        sources=document["sources"],
        started_at=document["started_at"],
        finished_at=document["finished_at"],
        allow_untestable=document["allow_untestable"],
        shard=document.get("shard"),
    )
