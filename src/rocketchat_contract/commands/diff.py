"""``rocketchat-contract diff OLD.json NEW.json``: what changed between two reports, as a Markdown table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rocketchat_contract.commands.cli import fail
from rocketchat_contract.results.exit_status import FAILED, PASSED


def add_parser(commands: Any) -> None:
    diff = commands.add_parser(
        "diff",
        help="compare two JSON compliance reports (e.g. before and after an upgrade)",
        description="Print, as a Markdown table for a pull request comment, every clause whose verdict or "
        "answers changed shape between two JSON compliance reports (written with --compliance-report "
        "PATH.json); counts moving during an import are not a change unless --all is given. "
        "Exit status: 0 nothing regressed, 1 a verdict got worse or a clause is gone, "
        "2 unreadable or invalid input, or the report of an aborted run.",
    )
    diff.add_argument("old", type=Path, metavar="OLD.json", help="the report of the earlier run")
    diff.add_argument("new", type=Path, metavar="NEW.json", help="the report of the later run")
    diff.add_argument(
        "--all",
        action="store_true",
        help="also list clauses whose answers differ only in values that move during an import (counts, step)",
    )
    diff.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rocketchat_contract.fleet.diff import run_fleet_diff
    from rocketchat_contract.fleet.merge import FleetReportError
    from rocketchat_contract.reports.diff import diff_reports, render_diff
    from rocketchat_contract.reports.load import (
        DocumentError,
        ReportError,
        check_judged,
        compliance_report,
        read_report_file,
    )

    try:
        old, new = read_report_file(args.old), read_report_file(args.new)
    except DocumentError as exc:
        return fail("diff", str(exc))
    if old.is_fleet or new.is_fleet:
        try:
            text, regressed = run_fleet_diff(old, new)
        except FleetReportError as exc:
            return fail("diff", str(exc))
        sys.stdout.write(text)
        return FAILED if regressed else PASSED
    try:
        before, after = compliance_report(old), compliance_report(new)
        check_judged(before, old.path)
        check_judged(after, new.path)
    except ReportError as exc:
        return fail("diff", str(exc))
    result = diff_reports(before, after, values=args.all)
    sys.stdout.write(render_diff(result))
    return FAILED if result.regressions else PASSED
