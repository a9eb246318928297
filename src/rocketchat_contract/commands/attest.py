"""``rocketchat-contract attest REPORT.json --key PRIVATE.pem [--out FILE]``: sign what a report states."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rocketchat_contract.client.printable import printable
from rocketchat_contract.results.exit_status import PASSED


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "attest",
        help="sign a JSON compliance report's verdicts with an Ed25519 key (an in-toto attestation)",
        description="Check a JSON compliance report (or fleet report) as `verify` does and, if it is consistent, "
        "sign its verdicts: an in-toto Statement v1 (subject: the report file and its sha256; predicate: "
        "test-result v0.1, its clauses as passed, warned and failed tests) in a DSSE envelope, signed with the "
        "Ed25519 private key. A customer checks it with `rocketchat-contract verify REPORT.json --attestation "
        "FILE --key PUBLIC.pem`. Make a key pair with `openssl genpkey -algorithm ed25519 -out PRIVATE.pem` and "
        "`openssl pkey -in PRIVATE.pem -pubout -out PUBLIC.pem`. Exit status: 0 signed, 1 the report does not "
        "verify (not signed), 2 an unreadable report or key, or a file that cannot be written.",
    )
    parser.add_argument("report", type=Path, metavar="REPORT.json", help="the JSON compliance report (or fleet report)")
    parser.add_argument(
        "--key", type=Path, required=True, metavar="PRIVATE.pem", help="the Ed25519 private key (PKCS#8 PEM)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="where to write the attestation (default: beside the report, REPORT.intoto.jsonl)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rocketchat_contract.audit.attest import attest

    status, lines = attest(args.report, args.key, args.out)
    stream = sys.stdout if status == PASSED else sys.stderr
    prefix = "" if status == PASSED else "rocketchat-contract attest: "
    print("\n".join(printable(prefix + line) for line in lines), file=stream)
    return status
