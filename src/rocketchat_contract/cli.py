"""The ``rocketchat-contract`` command; ``diff`` compares two JSON compliance reports for a pull request."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .diff import ReportError, diff_reports, load_report, render_diff

EXIT_SAME_OR_BETTER, EXIT_REGRESSED, EXIT_BAD_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rocketchat-contract",
        description="Tools around the GET /api/v1/getImportProgress contract suite (run the suite itself with pytest).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    diff = commands.add_parser(
        "diff",
        help="compare two JSON compliance reports (e.g. before and after an upgrade)",
        description="Print, as a Markdown table for a pull request comment, every clause whose verdict or "
        "answers changed shape between two JSON compliance reports (written with --compliance-report "
        "PATH.json); counts moving during an import are not a change unless --all is given. "
        "Exit status: 0 nothing regressed, 1 a verdict got worse or a clause is gone, "
        "2 unreadable or invalid input.",
    )
    diff.add_argument("old", type=Path, metavar="OLD.json", help="the report of the earlier run")
    diff.add_argument("new", type=Path, metavar="NEW.json", help="the report of the later run")
    diff.add_argument(
        "--all",
        action="store_true",
        help="also list clauses whose answers differ only in values that move during an import (counts, step)",
    )
    return parser


def _diff(old: Path, new: Path, *, values: bool = False) -> int:
    try:
        before, after = load_report(old), load_report(new)
    except ReportError as exc:
        print(f"rocketchat-contract diff: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    result = diff_reports(before, after, values=values)
    sys.stdout.write(render_diff(result))
    return EXIT_REGRESSED if result.regressions else EXIT_SAME_OR_BETTER


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status instead of exiting, so tests can call it."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    if args.command == "diff":
        return _diff(args.old, args.new, values=args.all)
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
