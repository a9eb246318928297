"""``rocketchat-contract … | head``: a reader that goes away early costs no traceback, and the exit status says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rocketchat_contract.results.exit_status import OUTPUT_CLOSED

REPORT = Path(__file__).resolve().parents[1] / "data" / "reports" / "rc-8.8.json"


def test_an_offline_command_whose_reader_left_exits_141_without_a_traceback() -> None:
    command = [sys.executable, "-c", "import sys; from rocketchat_contract.commands.main import main; sys.exit(main())"]
    child = subprocess.Popen(
        [*command, "verify", str(REPORT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # as `head -0` does: the first line written finds no reader
    with child.stderr:
        errors = child.stderr.read().decode()
    assert (child.wait(timeout=120), errors) == (OUTPUT_CLOSED, "")
