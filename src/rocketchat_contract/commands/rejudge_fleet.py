"""``rocketchat-contract rejudge FLEET.json``: judge every tested target of a fleet report again, offline.

Each target's embedded compliance report is re-judged as ``rejudge`` judges a single one, under the target's own
settings (its ``rc_version``, ``strict_docs``, ``require_verified``); untestable and interrupted targets stay as
they were. The result is a fleet report (``--report`` .json, .md, .html) and the fleet's exit status.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rocketchat_contract.commands.rejudge import (
    EXIT_BAD_INPUT,
    RejudgeError,
    check_rejudgeable,
    rejudge,
    rejudged_report,
)
from rocketchat_contract.fleet.diff import TESTED
from rocketchat_contract.fleet.merge import FleetReportError, load_fleet_report
from rocketchat_contract.fleet.model import fleet_document, rejudged_record
from rocketchat_contract.fleet.render import write_fleet_reports
from rocketchat_contract.fleet.terminal import Terminal
from rocketchat_contract.reports.render import ReportWriteError, check_report_path


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
            result = rejudge(report, extra_drift, target["settings"].get("rc_version"))
        except RejudgeError as exc:
            raise RejudgeError(f"target {target['name']}: {exc}") from None
        again = rejudged_report(result, source, strict_docs=strict_docs or report["strict_docs"])
        targets.append(rejudged_record(target, again))
    return fleet_document(
        targets,
        sources=document["sources"],
        started_at=document["started_at"],
        finished_at=document["finished_at"],
        allow_untestable=document["allow_untestable"],
    )


def run_fleet_rejudge(args: argparse.Namespace) -> int:
    """The command for a fleet report: re-judge, print a line per target and the matrix, write the reports."""
    try:
        if args.rc_version:
            raise RejudgeError(
                "--rc-version names one server's release; a fleet report's targets are judged with their own "
                "rc_version setting"
            )
        paths = [check_report_path(text, "--report")[0] for text in args.outputs]
        document = rejudge_fleet(
            load_fleet_report(args.report), args.report, tuple(args.extra_drift), strict_docs=args.strict_docs
        )
    except (RejudgeError, FleetReportError, ReportWriteError) as exc:
        print(f"rocketchat-contract rejudge: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    terminal = Terminal(len(document["targets"]))
    terminal.names([t["name"] for t in document["targets"]])
    for target in document["targets"]:
        terminal.target(target)
    terminal.matrix(document)
    try:
        write_fleet_reports(paths, document)
    except ReportWriteError as exc:
        print(f"rocketchat-contract rejudge: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return int(document["exit_status"])
