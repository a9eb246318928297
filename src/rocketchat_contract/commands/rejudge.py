"""``rocketchat-contract rejudge REPORT.json``: judge a report (or a fleet report) again with today's registry.

Nothing is sent (``audit.rejudge``). The verdict table and the exit status are a live run's: 0 pass, 1 a violation
(or known drift under ``--strict-docs``); 2 bad input. A fleet report: a line per target, the matrix, and the
fleet's exit status.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rocketchat_contract.commands.cli import fail
from rocketchat_contract.results.exit_status import FAILED, PASSED

if TYPE_CHECKING:
    from rocketchat_contract.reports.load import ReportFile


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "rejudge",
        help="judge a JSON compliance report's recorded exchanges again with today's registry, offline",
        description="Rebuild the exchanges a JSON compliance report recorded and judge them again with the "
        "installed registry (and any --extra-drift files), without sending a request; print the verdict table. "
        "Exit status as a live run: 0 pass, 1 a violation (or known drift with --strict-docs); 2 bad input. "
        "A fleet report: every tested target judged again under its own settings, a line per target and the "
        "matrix, and the fleet's exit status (0, 1, 4 an untestable target unless the fleet allowed them).",
    )
    parser.add_argument(
        "report", type=Path, metavar="REPORT.json", help="the JSON compliance report of a run, or a fleet report"
    )
    parser.add_argument(
        "--extra-drift", action="append", default=[], metavar="FILE", help="a local drift file to judge with too"
    )
    parser.add_argument(
        "--rc-version", metavar="X.Y.Z", help="judge as this Rocket.Chat version (not for a fleet report)"
    )
    parser.add_argument("--strict-docs", action="store_true", help="known drift counts as failure")
    parser.add_argument(
        "--report",
        action="append",
        default=[],
        dest="outputs",
        metavar="OUT",
        help="write the re-judged report (.json, .md, .html)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rocketchat_contract.audit.rejudge import RejudgeError, check_bound, read_report, rejudge, rejudged_report
    from rocketchat_contract.reports.load import DocumentError, read_report_file
    from rocketchat_contract.reports.outcome import outcome
    from rocketchat_contract.reports.render import COMPLIANCE_REPORT, ReportWriteError, check_report_path, write_as
    from rocketchat_contract.reports.table import summary_lines

    try:
        file = read_report_file(args.report)
    except DocumentError as exc:
        return fail("rejudge", str(exc))
    if file.is_fleet:
        return _run_fleet(args, file)
    try:
        paths = [check_report_path(text, "--report")[0] for text in args.outputs]
        report = read_report(file)
        check_bound(report, str(args.report))
        result = rejudge(report, tuple(args.extra_drift), args.rc_version)
    except (RejudgeError, ReportWriteError) as exc:
        return fail("rejudge", str(exc))
    document = rejudged_report(result, report, strict_docs=args.strict_docs)
    print("\n".join(summary_lines(result.run, result.ledger)))
    try:
        write_as(paths, document, COMPLIANCE_REPORT)
    except ReportWriteError as exc:
        return fail("rejudge", str(exc))
    return FAILED if outcome(document).key == "fail" else PASSED


def _run_fleet(args: argparse.Namespace, file: ReportFile) -> int:
    """A fleet report: re-judge, print a line per target and the matrix, write the reports."""
    from rocketchat_contract.audit.rejudge import RejudgeError
    from rocketchat_contract.audit.rejudge_fleet import rejudge_fleet
    from rocketchat_contract.fleet.merge import FleetReportError, fleet_report
    from rocketchat_contract.fleet.render import write_fleet_reports
    from rocketchat_contract.fleet.terminal import Terminal
    from rocketchat_contract.reports.render import ReportWriteError, check_report_path

    try:
        if args.rc_version:
            raise RejudgeError(
                "--rc-version names one server's release; a fleet report's targets are judged with their own "
                "rc_version setting"
            )
        paths = [check_report_path(text, "--report")[0] for text in args.outputs]
        document = rejudge_fleet(fleet_report(file), args.report, tuple(args.extra_drift), strict_docs=args.strict_docs)
    except (RejudgeError, FleetReportError, ReportWriteError) as exc:
        return fail("rejudge", str(exc))
    terminal = Terminal(len(document["targets"]))
    terminal.names([t["name"] for t in document["targets"]])
    for target in document["targets"]:
        terminal.target(target)
    terminal.matrix(document)
    try:
        write_fleet_reports(paths, document)
    except ReportWriteError as exc:
        return fail("rejudge", str(exc))
    return int(document["exit_status"])
