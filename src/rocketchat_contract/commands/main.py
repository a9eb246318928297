"""The ``rocketchat-contract`` command: ``run`` runs the contract suite with pytest, from any directory; ``diff``
compares two JSON compliance (or fleet) reports for a pull request; ``fleet`` checks many servers at once;
``propose-drift`` drafts drift entries from the report of a release the registry does not know yet; ``rejudge``
judges a report's recorded exchanges again, offline; ``verify`` says what can be proven of a report (well formed,
consistent with its evidence, signed); ``attest`` signs a report's verdicts with an Ed25519 key (all three take
fleet reports too).

Each sub-command is a module of this folder with ``add_parser`` (which sets its ``handler``) and ``run``; this
module only dispatches, and no sub-command imports another. A sub-command's module imports only what its parser
needs; what its work needs, it imports when it runs (selftests/project/test_import_cost.py). A sub-command that sets
``passes_on`` gets every argument after its name untouched, as ``passed_on`` (``run`` hands them to pytest).
"""

from __future__ import annotations

import contextlib
import os
import sys

from rocketchat_contract.commands import attest, diff, fleet, propose_drift, rejudge, run, verify
from rocketchat_contract.commands.cli import Parser
from rocketchat_contract.results.exit_status import BAD_INPUT, OUTPUT_CLOSED

SUBCOMMANDS = (run, diff, fleet, propose_drift, rejudge, verify, attest)
"""In the order ``--help`` lists them."""


def _parser() -> tuple[Parser, dict[str, Parser]]:
    """The command's parser, and each sub-command's by name."""
    parser = Parser(
        prog="rocketchat-contract",
        description="The GET /api/v1/getImportProgress contract suite (`run`, or pytest in a checkout) and the tools "
        "around its reports.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for command in SUBCOMMANDS:
        command.add_parser(commands)
    return parser, dict(commands.choices)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status instead of exiting, so tests can call it."""
    words = sys.argv[1:] if argv is None else list(argv)
    parser, subcommands = _parser()
    try:
        args, unknown = parser.parse_known_args(words)
        if getattr(args, "passes_on", False):
            args.passed_on = words[words.index(args.command) + 1 :]
        elif unknown:  # said by the sub-command's parser, so with its usage and its exit status (fleet: 4)
            subcommands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else BAD_INPUT
    try:
        return int(args.handler(args))
    except BrokenPipeError:
        _discard_output()
        return OUTPUT_CLOSED


def _discard_output() -> None:
    """Point standard output at /dev/null: the reader went away (``… | head``), and Python's flush at exit would
    otherwise print a second error about the same closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
