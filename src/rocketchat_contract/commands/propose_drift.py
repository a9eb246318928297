"""``rocketchat-contract propose-drift REPORT.json``: drift entries drafted from unexplained answers."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rocketchat_contract.commands.cli import fail
from rocketchat_contract.results.exit_status import PASSED


def add_parser(commands: Any) -> None:
    propose_parser = commands.add_parser(
        "propose-drift",
        help="draft drift entries for the unexplained answers of a server newer than the newest known release",
        description="Print, as a drift file for --extra-drift (YAML valid against "
        "schemas/meta/drift-registry.schema.json), one entry per distinct unexplained answer of a JSON "
        "compliance report of a server newer than the newest known release. Review each entry before use. "
        "Exit status: 0 (one line saying why when there is nothing to propose), 2 unreadable or invalid input, "
        "or the report of an aborted run.",
    )
    propose_parser.add_argument(
        "report", type=Path, metavar="REPORT.json", help="the JSON compliance report of the run"
    )
    propose_parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rocketchat_contract.audit.propose_drift import NothingToPropose, propose, render
    from rocketchat_contract.reports.load import ReportError, check_judged, load_report

    path: Path = args.report
    try:
        report = load_report(path)
        check_judged(report, path)
    except ReportError as exc:
        return fail("propose-drift", str(exc))
    try:
        entries, skipped = propose(report)
    except NothingToPropose as exc:
        return fail("propose-drift", f"nothing to propose: {exc}", PASSED)
    if entries:
        sys.stdout.write(render(entries, skipped, report, path))
        return PASSED
    if skipped:
        why = "; ".join(f"{s.clause} ({s.why})" for s in skipped[:3])
        return fail("propose-drift", f"nothing to propose: no violation is a new answer: {why}", PASSED)
    return fail("propose-drift", "nothing to propose: the report has no unexplained answer (no violation)", PASSED)
