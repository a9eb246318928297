"""A compliance report is a claim made to someone else (issue 26): each edit a forger would make of a saved report,
with its unkeyed digest computed again, fails `verify` with exit status 1 and a line naming what does not hold,
unsigned as well as signed; a signed report verifies only byte for byte, with the key that signed it."""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from reference_fleet import Member, ReferenceFleet
from report_files import load, save, write_key_pair
from suite_runner import OPERATION

from rocketchat_contract.audit.rejudge import rejudge, rejudged_report
from rocketchat_contract.commands.main import main
from rocketchat_contract.reference import Knobs
from rocketchat_contract.reports.model import digest

BROKEN_FAULTS = frozenset({"skip-permission-check", "step-outside-set", "post-accepted", "completed-exceeds-total"})
"""Faults that give the broken server five violations; its other nine clauses conform or are known drift."""
MEMBERS = [
    Member("broken", "8.8", Knobs(operation=OPERATION, faults=BROKEN_FAULTS)),
    Member("correct", "8.8", Knobs(operation=OPERATION)),
]


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fleet run against a broken and a correct server, signed (--attest-key): the folder with fleet.json,
    fleet.broken.json, fleet.correct.json, their attestations and the key pair."""
    folder = tmp_path_factory.mktemp("signed")
    private, _ = write_key_pair(folder, "vendor")[:2]
    with ReferenceFleet(MEMBERS) as fleet, pytest.MonkeyPatch.context() as monkeypatch:
        for name in [n for n in os.environ if n.startswith("RC_")]:
            monkeypatch.delenv(name)
        for name, value in fleet.environment().items():
            monkeypatch.setenv(name, value)
        argv = ["fleet", str(fleet.fleet_file(folder / "fleet.yaml")), "--report", str(folder / "fleet.json")]
        with contextlib.redirect_stdout(io.StringIO()):
            status = main([*argv, "--attest-key", str(private)])
    assert status == 1
    return folder


def _verify(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["verify", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _signed_by(folder: Path, name: str, key: str = "vendor") -> list[str]:
    return ["--attestation", str(folder / f"{name}.intoto.jsonl"), "--key", str(folder / f"{key}.pub.pem")]


def _violations_removed(report: dict[str, Any]) -> dict[str, Any]:
    """Forgery 1: the violations removed, the other clauses kept, summary and outcome edited to match."""
    forged = copy.deepcopy(report)
    forged["clauses"] = [c for c in forged["clauses"] if c["verdict"] != "violation"]
    forged["summary"]["violation"] = 0
    forged["outcome"] = {"result": "pass", "failing": [], "not_judged": []}
    forged["digest"] = digest(forged)
    return forged


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize("name", ["fleet", "fleet.broken", "fleet.correct"])
def test_an_untouched_report_is_consistent_unsigned_and_signed(
    signed: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = str(signed / f"{name}.json")
    status, out, _ = _verify(capsys, path)
    assert status == 0 and out.startswith(f"consistent, unsigned: {path}\n"), out
    assert "  unsigned: anyone able to edit the file could have produced it" in out
    status, out, err = _verify(capsys, path, *_signed_by(signed, name))
    assert status == 0, err
    assert out.startswith(f"consistent, signed by key {_key_id(signed)}: {path}\n"), out
    assert "unsigned" not in out


def _key_id(folder: Path) -> str:
    line = (folder / "fleet.intoto.jsonl").read_text(encoding="utf-8")
    return str(json.loads(line)["signatures"][0]["keyid"])


@pytest.mark.usefixtures("offline")
def test_the_violations_removed_do_not_verify(signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = load(signed / "fleet.broken.json")
    violated = [c["id"] for c in report["clauses"] if c["verdict"] == "violation"]
    assert len(violated) == 5 and len(report["clauses"]) == 14
    forged = save(_violations_removed(report), tmp_path / "fleet.broken.json")
    for signature in ([], _signed_by(signed, "fleet.broken")):
        status, out, err = _verify(capsys, str(forged), *signature)
        assert status == 1 and out == "", out
        for clause in violated:
            assert f"{clause}: its run was asked to judge it (selection), but the report leaves it out" in err, err
        assert "outcome: states pass, its evidence gives fail" in err
    assert "subject: the attestation is about fleet.broken.json" in err


@pytest.mark.usefixtures("offline")
def test_another_target_named_does_not_verify(signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = load(signed / "fleet.broken.json")
    sent_to = report["base_url"]
    forged = copy.deepcopy(report)
    forged["base_url"] = "https://chat.customer.example"
    forged["target"] = report["target"].replace(sent_to, forged["base_url"])
    forged["digest"] = digest(forged)
    path = save(forged, tmp_path / "fleet.broken.json")
    for signature in ([], _signed_by(signed, "fleet.broken")):
        status, _, err = _verify(capsys, str(path), *signature)
        assert status == 1
        assert f"were sent to {sent_to}, not under its base_url https://chat.customer.example" in err, err
    assert main(["rejudge", str(path)]) == 2
    assert "its evidence is not about the server it names" in capsys.readouterr().err


@pytest.mark.usefixtures("offline")
def test_a_correct_servers_evidence_does_not_verify_nor_rejudge(
    signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Forgery 3: the observations of a correct server under the broken server's name, then judged again."""
    broken, correct = load(signed / "fleet.broken.json"), load(signed / "fleet.correct.json")
    forged = copy.deepcopy(broken)
    forged["observations"] = correct["observations"]
    forged["digest"] = digest(forged)
    path = save(forged, tmp_path / "swapped.json")
    status, _, err = _verify(capsys, str(path))
    assert status == 1 and f"not under its base_url {broken['base_url']}" in err, err
    assert main(["rejudge", str(path), "--report", str(tmp_path / "again.json")]) == 2
    assert "its evidence is not about the server it names" in capsys.readouterr().err
    assert not (tmp_path / "again.json").exists()
    # A forger with a tool that would judge it anyway gets a report with no violation, which still does not verify.
    again = rejudged_report(rejudge(forged), forged, strict_docs=False)
    assert again["summary"]["violation"] == 0
    status, _, err = _verify(capsys, str(save(again, tmp_path / "again.json")))
    assert status == 1 and f"not under its base_url {broken['base_url']}" in err, err


@pytest.mark.usefixtures("offline")
def test_a_rejudged_report_says_so_and_from_which_report(
    signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = signed / "fleet.broken.json"
    again = tmp_path / "again.json"
    assert main(["rejudge", str(source), "--report", str(again)]) == 1
    rejudged = load(again)["rejudged"]
    assert rejudged["from_digest"] == load(source)["digest"]
    assert load(source)["rejudged"] is None
    status, out, _ = _verify(capsys, str(again))
    assert status == 0 and out.startswith(f"consistent, re-judged, unsigned: {again}\n"), out
    assert f"from the report with digest {rejudged['from_digest'][:16]}…: not a live run" in out
    forged = load(again)
    forged["rejudged"] = None  # passed off as a live run
    forged["digest"] = digest(forged)
    status, out, err = _verify(capsys, str(save(forged, tmp_path / "live.json")))
    assert status == 0 and "re-judged" not in out  # a file alone cannot tell: only a signature can, and does
    assert main(["attest", str(again), "--key", str(signed / "vendor.pem")]) == 0
    attestation = ["--attestation", str(tmp_path / "again.intoto.jsonl"), "--key", str(signed / "vendor.pub.pem")]
    status, out, _ = _verify(capsys, str(again), *attestation)
    assert status == 0 and out.startswith(f"consistent, re-judged, signed by key {_key_id(signed)}: "), out
    status, _, err = _verify(capsys, str(tmp_path / "live.json"), *attestation)
    assert status == 1 and "subject: the attestation is about again.json" in err, err


@pytest.mark.usefixtures("offline")
def test_a_fleet_target_passed_off_as_passing_does_not_verify(
    signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Forgery 4: in the fleet report, one target's violations removed, its digest computed again, the target
    marked passing, the fleet's own summary left stale."""
    document = load(signed / "fleet.json")
    target = next(t for t in document["targets"] if t["name"] == "broken")
    target["report"] = _violations_removed(target["report"])
    target |= {"outcome": "pass", "exit_status": 0, "summary": dict(target["report"]["summary"])}
    target["verdicts"] = {c["id"]: c["verdict"] for c in target["report"]["clauses"]}
    path = save(document, tmp_path / "fleet.json")
    for signature in ([], _signed_by(signed, "fleet")):
        status, _, err = _verify(capsys, str(path), *signature)
        assert status == 1
        assert "broken: permission.run-import: its run was asked to judge it (selection)" in err, err
        assert "broken: outcome: states pass, its evidence gives fail" in err
        assert "fleet summary: states" in err and "fleet exit_status: states 1, its targets give 0" in err
    assert "subject: the attestation is about fleet.json" in err


@pytest.mark.usefixtures("offline")
def test_a_signed_report_verifies_only_byte_for_byte_with_its_key(
    signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = signed / "fleet.correct.json"
    reformatted = tmp_path / "fleet.correct.json"
    reformatted.write_text(json.dumps(load(report)), encoding="utf-8")  # the same document, other bytes
    status, _, err = _verify(capsys, str(reformatted), *_signed_by(signed, "fleet.correct"))
    assert status == 1 and "subject: the attestation is about fleet.correct.json" in err, err
    _, other = write_key_pair(tmp_path, "other")[:2]
    attestation = str(signed / "fleet.correct.intoto.jsonl")
    status, _, err = _verify(capsys, str(report), "--attestation", attestation, "--key", str(other))
    assert status == 1 and "signature: no signature in the attestation verifies with the key" in err, err
    status, _, err = _verify(capsys, str(report), *_signed_by(signed, "fleet.broken"))
    assert status == 1 and "subject: the attestation is about fleet.broken.json" in err, err
    assert "predicate: its failedTests states" in err
    status, _, err = _verify(capsys, str(report), "--require-signature")
    assert status == 1 and "unsigned: anyone able to edit the file could have produced it" in err, err
    status, out, _ = _verify(capsys, str(report), "--require-signature", *_signed_by(signed, "fleet.correct"))
    assert status == 0 and "signed by key" in out


@pytest.mark.usefixtures("offline")
def test_a_changed_attestation_does_not_verify(
    signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    envelope = json.loads((signed / "fleet.broken.intoto.jsonl").read_text(encoding="utf-8"))
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["failedTests"] = []
    statement["predicate"]["result"] = "PASSED"
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    changed = tmp_path / "changed.intoto.jsonl"
    changed.write_text(json.dumps(envelope) + "\n", encoding="utf-8")
    key = str(signed / "vendor.pub.pem")
    status, _, err = _verify(capsys, str(signed / "fleet.broken.json"), "--attestation", str(changed), "--key", key)
    assert status == 1 and "signature: no signature in the attestation verifies" in err, err


@pytest.mark.usefixtures("offline")
def test_a_forged_field_is_shown_with_its_control_characters_escaped(
    signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = load(signed / "fleet.broken.json")
    forged["base_url"] = "https://chat.example\x1b[2J\r"
    forged["digest"] = digest(forged)
    status, _, err = _verify(capsys, str(save(forged, tmp_path / "escaped.json")))
    assert status == 1 and "not under its base_url https://chat.example\\x1b[2J\\r" in err, err
    assert "\x1b" not in err and "\r" not in err
