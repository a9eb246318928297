"""The ``rocketchat-contract`` command: ``diff`` compares two JSON compliance (or fleet) reports for a pull
request; ``fleet`` checks many servers at once; ``propose-drift`` drafts drift entries from the report of a
release the registry does not know yet; ``rejudge`` judges a report's recorded exchanges again, offline;
``verify`` checks that a report's verdicts follow from its evidence (both take fleet reports too)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, NoReturn

from rocketchat_contract.commands.fleet import add_fleet_parser, run_fleet
from rocketchat_contract.commands.rejudge import add_rejudge_parser
from rocketchat_contract.commands.verify import add_verify_parser
from rocketchat_contract.fleet.diff import is_fleet_report, run_fleet_diff
from rocketchat_contract.fleet.merge import FleetReportError
from rocketchat_contract.reports.diff import ReportError, check_judged, diff_reports, load_report, render_diff

EXIT_SAME_OR_BETTER, EXIT_REGRESSED, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with ``usage_status`` (the fleet's bad input is 4, as pytest's)."""

    def __init__(self, *args: Any, usage_status: int = EXIT_BAD_INPUT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.usage_status = usage_status

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(self.usage_status, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rocketchat-contract",
        description="Tools around the GET /api/v1/getImportProgress contract suite (run the suite itself with pytest).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
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
    add_fleet_parser(commands)
    propose = commands.add_parser(
        "propose-drift",
        help="draft drift entries for the unexplained answers of a server newer than the newest known release",
        description="Print, as a drift file for --extra-drift (YAML valid against "
        "schemas/meta/drift-registry.schema.json), one entry per distinct unexplained answer of a JSON "
        "compliance report of a server newer than the newest known release. Review each entry before use. "
        "Exit status: 0 (nothing printed when there is nothing to propose), 2 unreadable or invalid input, "
        "or the report of an aborted run.",
    )
    propose.add_argument("report", type=Path, metavar="REPORT.json", help="the JSON compliance report of the run")
    add_rejudge_parser(commands)
    add_verify_parser(commands)
    diff.add_argument(
        "--all",
        action="store_true",
        help="also list clauses whose answers differ only in values that move during an import (counts, step)",
    )
    return parser


def _diff(old: Path, new: Path, *, values: bool = False) -> int:
    if is_fleet_report(old) or is_fleet_report(new):
        return _fleet_diff(old, new)
    try:
        before, after = load_report(old), load_report(new)
        check_judged(before, old)
        check_judged(after, new)
    except ReportError as exc:
        print(f"rocketchat-contract diff: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    result = diff_reports(before, after, values=values)
    sys.stdout.write(render_diff(result))
    return EXIT_REGRESSED if result.regressions else EXIT_SAME_OR_BETTER


def _fleet_diff(old: Path, new: Path) -> int:
    try:
        text, regressed = run_fleet_diff(old, new)
    except FleetReportError as exc:
        print(f"rocketchat-contract diff: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    sys.stdout.write(text)
    return EXIT_REGRESSED if regressed else EXIT_SAME_OR_BETTER


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status instead of exiting, so tests can call it."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    if args.command == "diff":
        return _diff(args.old, args.new, values=args.all)
    if args.command == "fleet":
        return run_fleet(args)
    if args.command == "propose-drift":
        from rocketchat_contract.commands.propose_drift import main as propose_drift

        status, out, err = propose_drift(args.report)
        sys.stdout.write(out)
        sys.stderr.write(err)
        return status
    if args.command == "rejudge" and is_fleet_report(args.report):
        from rocketchat_contract.commands.rejudge_fleet import run_fleet_rejudge

        return run_fleet_rejudge(args)
    if args.command == "rejudge":
        from rocketchat_contract.commands.rejudge import run_rejudge

        return run_rejudge(args)
    if args.command == "verify":
        from rocketchat_contract.commands.verify import run_verify

        return run_verify(args.report)
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
