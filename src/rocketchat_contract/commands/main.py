"""The ``rocketchat-contract`` command: ``diff`` compares two JSON compliance (or fleet) reports for a pull
request; ``fleet`` checks many servers at once; ``propose-drift`` drafts drift entries from the report of a
release the registry does not know yet; ``rejudge`` judges a report's recorded exchanges again, offline;
``verify`` says what can be proven of a report (well formed, consistent with its evidence, signed); ``attest``
signs a report's verdicts with an Ed25519 key (all three take fleet reports too).

Each sub-command is a module of this folder with ``add_parser`` (which sets its ``handler``) and ``run``; this
module only dispatches, and no sub-command imports another.
"""

from __future__ import annotations

import sys

from rocketchat_contract.commands import attest, diff, fleet, propose_drift, rejudge, verify
from rocketchat_contract.commands.cli import Parser
from rocketchat_contract.results.exit_status import BAD_INPUT

SUBCOMMANDS = (diff, fleet, propose_drift, rejudge, verify, attest)
"""In the order ``--help`` lists them."""


def _parser() -> Parser:
    parser = Parser(
        prog="rocketchat-contract",
        description="Tools around the GET /api/v1/getImportProgress contract suite (run the suite itself with pytest).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for command in SUBCOMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status instead of exiting, so tests can call it."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else BAD_INPUT
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
