"""What every sub-command shares: the argument parser whose usage errors exit with the command's own status."""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

from rocketchat_contract.client.printable import printable
from rocketchat_contract.results.exit_status import BAD_INPUT


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with ``usage_status`` (the fleet's bad input is 4, as pytest's)."""

    def __init__(self, *args: Any, usage_status: int = BAD_INPUT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.usage_status = usage_status

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(self.usage_status, f"{self.prog}: error: {message}\n")


def fail(command: str, message: str, status: int = BAD_INPUT) -> int:
    """Print ``message`` as the command's one error line (control characters escaped: it may quote a report or a
    server) and return ``status``."""
    print(f"rocketchat-contract {command}: {printable(message)}", file=sys.stderr)
    return status

