"""``rocketchat-contract verify REPORT.json``: check a report (or a fleet report) against its own evidence."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rocketchat_contract.audit.verify import verify
from rocketchat_contract.client.printable import printable
from rocketchat_contract.results.exit_status import PASSED


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "verify",
        help="check that a JSON compliance report's verdicts follow from its evidence and it was not edited",
        description="Check a JSON compliance report: well formed, not edited by hand, and each clause's verdict "
        "what its recorded evidence gives under the registry it names (judged again, offline). "
        "Exit status: 0 verified, 1 the clauses whose stated verdict differs (or the edit), 2 unreadable or "
        "judged with a registry this installation does not have. A fleet report: every tested target's embedded "
        "report, and the matrix against it; 0 only if all verify.",
    )
    parser.add_argument(
        "report", type=Path, metavar="REPORT.json", help="the JSON compliance report (or fleet report) to verify"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    status, lines = verify(args.report)
    stream = sys.stdout if status == PASSED else sys.stderr
    prefix = "" if status == PASSED else "rocketchat-contract verify: "
    print("\n".join(prefix + printable(line) for line in lines), file=stream)
    return status
