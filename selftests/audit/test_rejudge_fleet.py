"""`rejudge` and `verify` of a fleet report (issue 22, item 4): every tested target's embedded report is judged
again offline under the target's own settings, the untestable ones stay as they were, the fleet's exit statuses
hold, and a hand edit inside one target (or in the matrix) is caught and named by target."""

from __future__ import annotations

import contextlib
import copy
import io
import os
from pathlib import Path
from typing import Any

import older_reports
import pytest
from reference_fleet import Member, ReferenceFleet
from report_files import load, save
from suite_runner import OPERATION

from rocketchat_contract.commands.main import main
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.reference import FAULTS, Knobs
from rocketchat_contract.reports.model import digest

FAULT = "skip-permission-check"
MEMBERS = [
    Member("current", "8.8", Knobs(operation=OPERATION)),
    Member("strict", "7.3", Knobs(operation=OPERATION), settings={"strict_docs": True}),
    Member("broken", "8.8", Knobs(operation=OPERATION, faults=frozenset({FAULT}))),
    Member("unreachable"),
]


@pytest.fixture(scope="module")
def fleet_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The JSON report of one fleet run against MEMBERS (run once for the module)."""
    folder = tmp_path_factory.mktemp("fleet")
    path = folder / "fleet.json"
    with ReferenceFleet(MEMBERS) as fleet, pytest.MonkeyPatch.context() as monkeypatch:
        for name in [n for n in os.environ if n.startswith("RC_")]:
            monkeypatch.delenv(name)
        for name, value in fleet.environment().items():
            monkeypatch.setenv(name, value)
        with contextlib.redirect_stdout(io.StringIO()):
            status = main(["fleet", str(fleet.fleet_file(folder / "fleet.yaml")), "--report", str(path)])
    assert status == 1
    return path


def _target(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in document["targets"] if t["name"] == name)


def _judged(target: dict[str, Any]) -> tuple[Any, ...]:
    clauses = (target["report"] or {}).get("clauses", [])
    probes = {c["id"]: sorted((p["probe"], p["verdict"]) for p in c["probes"]) for c in clauses}
    return target["outcome"], target["reason"], target["exit_status"], target["verdicts"], probes


@pytest.mark.usefixtures("offline")
def test_rejudging_a_fleet_report_gives_every_target_its_verdicts(
    fleet_report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = load(fleet_report)
    assert _target(live, "strict")["reason"] == "strict_docs: known drift counts as a failure"
    assert _target(live, "broken")["verdicts"][FAULTS[FAULT].clause] == "violation"
    outputs = [tmp_path / f"again.{ext}" for ext in ("json", "md", "html")]
    argv = ["rejudge", str(fleet_report), *(arg for path in outputs for arg in ("--report", str(path)))]
    assert main(argv) == live["exit_status"] == 1
    again = load(outputs[0])
    assert store().problem("fleet/fleet-report.schema.json", again) is None
    for member in MEMBERS:
        before, after = _target(live, member.name), _target(again, member.name)
        assert _judged(after) == _judged(before), member.name
    assert _target(again, "unreachable") == _target(live, "unreachable")
    rejudged = _target(again, "current")["report"]["rejudged"]
    assert rejudged["from_digest"] == _target(live, "current")["report"]["digest"]
    out = capsys.readouterr().out
    for member in MEMBERS:
        assert any(line.startswith(f"{member.name} ") for line in out.splitlines()), out
    assert "4 targets: 1 pass, 2 fail, 1 untestable → exit status 1" in out
    markdown, html = (path.read_text(encoding="utf-8") for path in outputs[1:])
    assert all(f"### {m.name}: " in markdown and f'id="t-{m.name}"' in html for m in MEMBERS)


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize(("allow_untestable", "status"), [(False, 4), (True, 0)])
def test_rejudge_exits_with_the_fleet_exit_status(
    fleet_report: Path, tmp_path: Path, allow_untestable: bool, status: int
) -> None:
    """Without its failing targets, the fleet's untestable one decides: 4, or 0 if the fleet allowed it."""
    document = load(fleet_report)
    document["targets"] = [t for t in document["targets"] if t["name"] in ("current", "unreachable")]
    document["allow_untestable"] = allow_untestable
    assert main(["rejudge", str(save(document, tmp_path / "part.json"))]) == status


@pytest.mark.usefixtures("offline")
def test_verify_accepts_an_untouched_fleet_report(fleet_report: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(fleet_report)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"consistent, unsigned: {fleet_report}\n"), out
    assert "the reports of its 3 tested targets follow from their evidence" in out and "1 target not tested" in out


@pytest.mark.usefixtures("offline")
def test_verify_catches_a_verdict_edited_inside_one_target(
    fleet_report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = load(fleet_report)
    report = _target(document, "current")["report"]
    step = next(c for c in report["clauses"] if c["id"] == "success.step")
    assert step["verdict"] == "conforms"
    step["verdict"] = "violation"
    report["digest"] = digest(report)  # a forger who recomputes the digest is caught by the evidence
    assert main(["verify", str(save(document, tmp_path / "edited.json"))]) == 1
    err = capsys.readouterr().err
    assert "current: success.step: states violation, its evidence gives conforms" in err
    assert "current: success.step: the matrix states conforms, its embedded report states violation" in err
    assert "broken:" not in err and "strict:" not in err


@pytest.mark.usefixtures("offline")
def test_verify_catches_an_edited_matrix(
    fleet_report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = load(fleet_report)
    _target(document, "broken")["verdicts"][FAULTS[FAULT].clause] = "conforms"
    assert main(["verify", str(save(document, tmp_path / "matrix.json"))]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"rocketchat-contract verify: broken: {FAULTS[FAULT].clause}: the matrix states conforms, "
        "its embedded report states violation"
    ]


@pytest.mark.usefixtures("offline")
def test_a_fleet_report_that_cannot_be_judged_again_is_one_line(
    fleet_report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = copy.deepcopy(load(fleet_report))
    strict = _target(document, "strict")
    strict["report"] = older_reports.compliance_report(strict["report"], None)
    older = save(document, tmp_path / "older.json")
    assert main(["verify", str(older)]) == 2
    assert main(["rejudge", str(older)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("target strict has no schema_version" in line for line in err), err
    assert main(["rejudge", str(fleet_report), "--rc-version", "8.8.0"]) == 2
    assert "their own rc_version setting" in capsys.readouterr().err
