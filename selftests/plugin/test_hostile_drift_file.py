"""A YAML bomb given to the pytest plugin as ``--extra-drift``: refused before any traffic in one line, exit status
4, memory bounded (pytest runs in a child with its address space capped, see selftests/capped.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from capped import lines, run_capped, yaml_bomb
from suite_runner import SUITE

from rocketchat_contract.results.exit_status import CANNOT_TEST


def test_a_yaml_bomb_as_an_extra_drift_file_is_one_line_and_exit_4(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(yaml_bomb("entries"), encoding="utf-8")
    argv = [sys.executable, "-m", "pytest", str(SUITE), "-p", "no:cacheprovider", "-p", "no:randomly"]
    done = run_capped([*argv, "--extra-drift", str(bomb)], cwd=tmp_path)
    assert lines(done) == [
        f"ERROR: --extra-drift {bomb}: YAML aliases would expand to more than 100,000 nodes (a YAML bomb?)"
    ], done.stdout[-2000:] + done.stderr[-2000:]
    assert done.returncode == CANNOT_TEST
