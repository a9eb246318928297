"""Hostile files given to ``rocketchat-contract fleet``: a fleet file, or reports to ``--merge``. One line and exit
status 4 (the fleet's bad input, ``--merge`` included), no traceback, memory bounded (a child with its address space
capped, see selftests/capped.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from capped import COMMAND, HOSTILE_REPORTS, lines, run_capped, sparse_file, yaml_bomb

from rocketchat_contract.contract.reader import FLEET_FILES
from rocketchat_contract.results.exit_status import CANNOT_TEST


def test_a_yaml_bomb_as_a_fleet_file_is_one_line_and_exit_4(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(yaml_bomb("targets"), encoding="utf-8")
    done = run_capped([*COMMAND, "fleet", str(fleet)], cwd=tmp_path)
    assert lines(done) == [
        f"rocketchat-contract fleet: {fleet}: YAML aliases would expand to more than 100,000 nodes (a YAML bomb?)"
    ], done.stderr[-2000:]
    assert done.returncode == CANNOT_TEST


def test_a_fleet_file_over_its_cap_is_one_line_and_exit_4(tmp_path: Path) -> None:
    fleet = sparse_file(tmp_path / "fleet.yaml", FLEET_FILES.max_bytes + 1)
    done = run_capped([*COMMAND, "fleet", str(fleet)], cwd=tmp_path)
    (line,) = lines(done)
    assert line.startswith(f"rocketchat-contract fleet: {fleet}: larger than 1 MiB (the cap for fleet files); ")
    assert "defaults:" in line and "--merge" in line
    assert done.returncode == CANNOT_TEST


@pytest.mark.parametrize("hostile", HOSTILE_REPORTS)
def test_a_hostile_report_to_merge_is_one_line_and_exit_4(tmp_path: Path, hostile: str) -> None:
    make, refusal = HOSTILE_REPORTS[hostile]
    bad = make(tmp_path)
    done = run_capped([*COMMAND, "fleet", "--merge", str(bad)], cwd=tmp_path)
    assert lines(done) == [f"rocketchat-contract fleet: {bad}: {refusal}"], done.stderr[-2000:]
    assert done.returncode == CANNOT_TEST
