"""``rocketchat-contract diff`` of two fleet reports: per target, what regressed (each target's reports
are compared by the single-report diff)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rocketchat_contract.fleet.merge import comparable_fleet_report
from rocketchat_contract.fleet.vocabulary import OUTCOME_ICONS, OUTCOME_LABELS, cell, code
from rocketchat_contract.reports.diff import ReportDiff, diff_reports, render_diff
from rocketchat_contract.reports.load import ReportFile

TESTED = ("pass", "fail")


@dataclass(frozen=True)
class TargetChange:
    """One target in either fleet report: its outcomes, the clause diff when both were tested, what regressed."""

    name: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    clauses: ReportDiff | None
    regressions: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.regressions) or (self.clauses is not None and bool(self.clauses.changes)) or (
            (self.old or {}).get("outcome") != (self.new or {}).get("outcome")
        )


def _target_change(name: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> TargetChange:
    if new is None:
        return TargetChange(name, old, None, None, ("no longer in the fleet",))
    if old is None:
        return TargetChange(name, None, new, None, ())
    if old["report"] and new["report"] and old["outcome"] in TESTED and new["outcome"] in TESTED:
        clauses = diff_reports(old["report"], new["report"])
        return TargetChange(name, old, new, clauses, tuple(c.clause for c in clauses.regressions))
    if old["outcome"] in TESTED and new["outcome"] not in TESTED:
        return TargetChange(name, old, new, None, (f"now {new['outcome']}: {new['reason']}",))
    return TargetChange(name, old, new, None, ())


def diff_fleets(old: dict[str, Any], new: dict[str, Any]) -> list[TargetChange]:
    """Compare two fleet reports target by target (matched by name), in the new report's order."""
    before = {t["name"]: t for t in old["targets"]}
    after = {t["name"]: t for t in new["targets"]}
    names = [*after, *(n for n in before if n not in after)]
    return [_target_change(n, before.get(n), after.get(n)) for n in names]


def _state(target: dict[str, Any] | None) -> str:
    if target is None:
        return "absent"
    outcome = target["outcome"]
    return f"{code(target['server_version'] or '?', table=True)} {OUTCOME_ICONS[outcome]} {OUTCOME_LABELS[outcome]}"


def render_fleet_diff(changes: list[TargetChange]) -> str:
    """Markdown: a table of every target, then each changed target's clause diff; versions and reasons (a server's
    words) in code spans."""
    regressed = [c for c in changes if c.regressions]
    lines = ["## Fleet contract diff", ""]
    if regressed:
        lines.append(
            f"**{len(regressed)} target{'s' if len(regressed) != 1 else ''} regressed:** "
            + ", ".join(code(c.name) for c in regressed)
        )
    else:
        lines.append("**No regression:** no target got a worse verdict, lost a clause or stopped being testable.")
    lines += ["", "| Target | Old | New | Regressed |", "|---|---|---|---|"]
    for change in changes:
        what = "<br>".join(code(r, table=True) for r in change.regressions) or "no"
        lines.append(f"| {code(change.name, table=True)} | {_state(change.old)} | {_state(change.new)} | {what} |")
    for change in changes:
        if change.clauses is not None and change.clauses.changes:
            body = render_diff(change.clauses).replace("## Contract diff:", f"### {cell(change.name)}:", 1)
            lines += ["", body.rstrip()]
    return "\n".join(lines) + "\n"


def run_fleet_diff(old: ReportFile, new: ReportFile) -> tuple[str, bool]:
    """Compare two read report files as fleet reports (FleetReportError if either is none); return the Markdown
    and whether anything regressed."""
    changes = diff_fleets(comparable_fleet_report(old), comparable_fleet_report(new))
    return render_fleet_diff(changes), any(c.regressions for c in changes)
