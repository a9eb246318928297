"""``rocketchat-contract … | head``: a reader that goes away early costs no traceback, and the exit status says so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rocketchat_contract.reference import free_port
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


def test_a_fleet_whose_reader_left_still_runs_every_target_and_writes_its_report(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    names = [f"down-{i}" for i in range(3)]
    fleet.write_text(
        "targets:\n" + "".join(f"  - {{name: {n}, base_url: 'http://127.0.0.1:{free_port()}'}}\n" for n in names),
        encoding="utf-8",
    )
    report = tmp_path / "fleet.json"
    command = [sys.executable, "-c", "import sys; from rocketchat_contract.commands.main import main; sys.exit(main())"]
    child = subprocess.Popen(
        [*command, "fleet", str(fleet), "--allow-untestable", "--report", str(report)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    with child.stderr:
        errors = child.stderr.read().decode()
    assert (child.wait(timeout=300), errors) == (0, "")
    targets = json.loads(report.read_text(encoding="utf-8"))["targets"]
    assert [(t["name"], t["outcome"]) for t in targets] == [(n, "untestable") for n in names]
