"""``rocketchat-contract verify REPORT.json [--attestation FILE --key PUBLIC.pem]``: say what can be proven of a
report (or a fleet report): well formed, consistent with its own evidence, signed or not."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rocketchat_contract.client.printable import printable
from rocketchat_contract.commands.cli import fail
from rocketchat_contract.results.exit_status import PASSED


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "verify",
        help="say what can be proven of a JSON compliance report: well formed, consistent with its evidence, signed",
        description="Check a JSON compliance report and say, each apart, what holds: well formed (its schema, "
        "I-JSON, a digest that matches; the digest has no key, so it finds accidents, not forgers); consistent "
        "(each clause's verdict what its recorded evidence gives under the registry it names, judged again "
        "offline; its clauses those its run was asked to judge; every exchange sent under its base_url; its "
        "summary, outcome and target recomputed); signed or not (with --attestation and --key: the key's holder "
        "signed a statement about exactly these bytes stating these verdicts). An unsigned report is only "
        "consistent: anyone able to edit the file could have produced it. Exit status: 0 consistent (and signed, "
        "with --require-signature), 1 a line for each thing that does not hold, 2 an unreadable report, "
        "attestation or key, or a report judged with a registry this installation does not have. A fleet report: "
        "every tested target's report, each target row and the fleet's summary; 0 only if all hold.",
    )
    parser.add_argument(
        "report", type=Path, metavar="REPORT.json", help="the JSON compliance report (or fleet report) to verify"
    )
    parser.add_argument(
        "--attestation",
        type=Path,
        metavar="FILE",
        help="the report's signed attestation (a DSSE envelope, as `rocketchat-contract attest` writes it)",
    )
    parser.add_argument(
        "--key", type=Path, metavar="PUBLIC.pem", help="the signer's Ed25519 public key (PEM) to check it with"
    )
    parser.add_argument(
        "--require-signature", action="store_true", help="an unsigned report does not verify (exit status 1)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if (args.attestation is None) != (args.key is None):
        given, missing = ("--attestation", "--key") if args.key is None else ("--key", "--attestation")
        return fail("verify", f"{given} needs {missing}: the attestation is checked with the signer's public key")
    from rocketchat_contract.audit.verify import verify

    status, lines = verify(args.report, args.attestation, args.key, require_signature=args.require_signature)
    stream = sys.stdout if status == PASSED else sys.stderr
    prefix = "" if status == PASSED else "rocketchat-contract verify: "
    print("\n".join(prefix + printable(line) for line in lines), file=stream)
    return status
