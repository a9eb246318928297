"""Hostile files given to the offline commands (verify, rejudge, diff, propose-drift): one line, exit status 2, no
traceback, and memory bounded (each runs in a child whose address space is capped, see selftests/capped.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from capped import COMMAND, HOSTILE_REPORTS, depth, lines, run_capped, yaml_bomb
from report_files import fixture_generator

from rocketchat_contract.commands.main import main
from rocketchat_contract.contract.reader import REPORTS, read_json
from rocketchat_contract.reports.model import digest
from rocketchat_contract.results.exit_status import BAD_INPUT

DATA = Path(__file__).resolve().parents[1] / "data" / "reports"
GOOD = DATA / "rc-8.8.json"
COMMANDS: dict[str, Callable[[str], list[str]]] = {
    "verify": lambda bad: ["verify", bad],
    "rejudge": lambda bad: ["rejudge", bad],
    "diff-old": lambda bad: ["diff", bad, str(GOOD)],
    "diff-new": lambda bad: ["diff", str(GOOD), bad],
    "propose-drift": lambda bad: ["propose-drift", bad],
}


@pytest.mark.parametrize("hostile", HOSTILE_REPORTS)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_hostile_report_is_one_line_and_exit_2(tmp_path: Path, command: str, hostile: str) -> None:
    make, refusal = HOSTILE_REPORTS[hostile]
    bad = make(tmp_path)
    argv = COMMANDS[command](str(bad))
    done = run_capped([*COMMAND, *argv], cwd=tmp_path)
    assert lines(done) == [f"rocketchat-contract {argv[0]}: {bad}: {refusal}"], done.stderr[-2000:]
    assert done.returncode == BAD_INPUT


def test_a_yaml_bomb_given_to_rejudge_as_a_drift_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(yaml_bomb("entries"), encoding="utf-8")
    done = run_capped([*COMMAND, "rejudge", str(GOOD), "--extra-drift", str(bomb)], cwd=tmp_path)
    assert lines(done) == [
        f"rocketchat-contract rejudge: --extra-drift {bomb}: YAML aliases would expand to more than 100,000 nodes "
        "(a YAML bomb?)"
    ], done.stderr[-2000:]
    assert done.returncode == BAD_INPUT


def test_verify_reads_no_more_of_a_drift_file_a_report_names_than_a_drift_file_may_hold(tmp_path: Path) -> None:
    """A report names its drift files and verify hashes them: naming /dev/zero must not be a read without end."""
    generate = fixture_generator()
    report = generate.build("8.8.1", "https://chat.example.com", "2025-06-02T09:14:05+00:00", generate.rc_8_8(), [])
    report["registry"]["extra_drift"] = [{"path": "/dev/zero", "sha256": "0" * 64}]
    report["digest"] = digest(report)  # as a forger would: only the drift file is wrong
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    done = run_capped([*COMMAND, "verify", str(path)], cwd=tmp_path)
    assert len(lines(done)) == 1 and "was judged with another registry" in done.stderr, done.stderr[-2000:]
    assert done.returncode == BAD_INPUT


def _nested(levels: int) -> Any:
    body: Any = "deep"
    for _ in range(levels):
        body = {"a": body}
    return body


@pytest.mark.usefixtures("offline")
def test_a_report_at_the_depth_bound_goes_through_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever walks an accepted report (the schema, the judge, the diff, the digest, YAML's dumper) stays within
    Python's recursion limit. The suite itself records a body as JSON only up to MAX_BODY_DEPTH (what a fleet report
    can hold); a report file from elsewhere may nest its bodies deeper, up to the reports' bound: here a probe's
    response body of 123 levels, 5 below the report's top, its digest computed again."""
    generate = fixture_generator()
    observations = generate.rc_9_9()
    unauthenticated = observations["no-headers"]
    body = {"success": False, "error": "You must be logged in to do this.", "detail": _nested(122)}
    observations["no-headers"] = replace(unauthenticated, body_text=json.dumps(body))
    report = generate.build("9.9.0", "https://chat.example.com", "2025-09-15T13:40:12+00:00", observations, [])
    recorded = report["observations"]["probes"]["no-headers"]["response"]
    assert recorded["format"] != "json"  # deeper than MAX_BODY_DEPTH: the suite kept it as text
    recorded.update(body=body, format="json")
    report["digest"] = digest(report)
    path = tmp_path / "deep-report.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    assert depth(read_json(path, REPORTS)) == REPORTS.max_depth

    assert main(["verify", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"consistent, unsigned: {path}")
    assert main(["rejudge", str(path)]) == 1  # 9.9's own answers are violations, as in its fixture
    assert "auth.missing" in capsys.readouterr().out
    # errors.json regresses (a body past MAX_BODY_DEPTH is judged as no JSON body); the diff walks it all the same.
    assert main(["diff", str(DATA / "rc-9.9.json"), str(path)]) == 1
    shown = capsys.readouterr().out
    assert "**1 regression** (a verdict got worse or a clause is gone): `errors.json`" in shown
    assert '+detail {"a": {"a":' in shown
    assert main(["propose-drift", str(path)]) == 0
    drafted = tmp_path / "drafted.yaml"
    drafted.write_text(capsys.readouterr().out, encoding="utf-8")
    assert "detail" in drafted.read_text(encoding="utf-8")
    # The drafted entry holds the 123-level body under 7 levels of its own; a drift file nests 64: one line.
    assert main(["rejudge", str(path), "--extra-drift", str(drafted)]) == BAD_INPUT
    assert capsys.readouterr().err.strip() == (
        f"rocketchat-contract rejudge: --extra-drift {drafted}: nested deeper than 64 levels"
    )
