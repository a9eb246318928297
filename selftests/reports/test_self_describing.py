"""Reports as self-describing data (issue 27): each states its kind and names its schema, keeps the facts it
was judged on as fields rather than sentences, and each exchange once, which its clauses' evidence names by id;
every command reads them through one reader that tells the kinds apart by ``kind``."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import older_reports
import pytest
from report_files import fixture_generator, save

from rocketchat_contract.commands.main import main
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.fleet.model import fleet_document
from rocketchat_contract.reports.load import COMPLIANCE, FLEET, ReportError, ReportFile, read_written_report
from rocketchat_contract.reports.markdown import render_markdown
from rocketchat_contract.reports.model import digest
from rocketchat_contract.reports.notes import shown_notes
from rocketchat_contract.reports.observations import by_id, resolved

GENERATE = Path(__file__).resolve().parents[1] / "data" / "reports" / "generate.py"
STARTED = "2025-06-02T09:14:05+00:00"
USER_NOTE = "Partly verified: the auditor checked the logged-out token by hand"
"""A note of the run's own that reads like one the report derives: judged again, it stays."""


def fresh(version: str = "8.8", notes: tuple[str, ...] = (), embedded: str | None = None) -> dict[str, Any]:
    """A fixture's report judged now (it names the installed registry), without a server."""
    module = fixture_generator()
    observe, full = {"8.8": (module.rc_8_8, "8.8.1"), "3.18": (module.rc_3_18, "3.18.3")}[version]
    report: dict[str, Any] = module.build(full, "http://127.0.0.1:8765", STARTED, observe(), list(notes), embedded)
    return report


def fleet(*reports: dict[str, Any]) -> dict[str, Any]:
    """A fleet report whose targets t0, t1, … passed with ``reports``."""
    targets = [
        {
            "name": f"t{i}",
            "base_url": report["base_url"],
            "outcome": "pass",
            "reason": None,
            "exit_status": 0,
            "server_version": report["server_version"],
            "judged_as": report["judged_as"],
            "era": report["era"],
            "summary": dict(report["summary"]),
            "verdicts": {c["id"]: c["verdict"] for c in report["clauses"]},
            "settings": {},
            "credential_variables": [],
            "duration_s": 1.0,
            "peak_rss_mb": None,
            "report": report,
        }
        for i, report in enumerate(reports)
    ]
    return fleet_document(
        targets, sources=["fleet.yaml"], started_at=STARTED, finished_at=STARTED, allow_untestable=False
    )


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1, captured
    return captured.err


# -- kinds ------------------------------------------------------------------------------------------------------


def test_each_kind_states_itself_and_names_its_schema_by_its_id() -> None:
    report = fresh()
    document = fleet(report)
    for written, kind in ((report, COMPLIANCE), (document, FLEET)):
        assert (written["kind"], written["schema_version"]) == (kind.name, kind.version)
        assert written["$schema"] == store().documents[kind.schema]["$id"] == kind.schema_id
        assert store().problem(kind.schema, written) is None
    assert ReportFile(Path("r.json"), report, b"").is_fleet is False
    assert ReportFile(Path("f.json"), document, b"").is_fleet is True


@pytest.mark.usefixtures("offline")
def test_a_compliance_report_with_a_fleets_keys_is_no_fleet_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The kind says what a report is, not which keys it happens to have."""
    report = {**fresh(), "targets": [], "sources": []}
    assert ReportFile(Path("r.json"), report, b"").is_fleet is False
    path = save(report, tmp_path / "odd.json")
    for command in ("verify", "rejudge", "propose-drift"):
        assert main([command, str(path)]) == 2
        err = one_line(capsys)
        assert "not a compliance report" in err and "targets" in err and "fleet" not in err, err
    assert main(["diff", str(path), str(path)]) == 2
    assert "not a compliance report" in one_line(capsys)


@pytest.mark.usefixtures("offline")
def test_a_fleet_report_without_a_kind_is_compared_but_not_judged_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Written before fleet reports stated their kind: diff still compares it with one of today's (as it does a
    compliance report of schema_version 2); rejudge, verify, attest and --merge refuse it in one line."""
    current = fleet(fresh())
    older = older_reports.fleet_report(current, 2)
    assert "kind" not in older and "kind" not in older["targets"][0]["report"]
    assert ReportFile(Path("old.json"), older, b"").is_fleet is True
    old, new = save(older, tmp_path / "old.json"), save(current, tmp_path / "new.json")
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "**No regression:**" in out and "| `t0` |" in out, out
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = tmp_path / "key.pem"
    key.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    for argv, status in (
        (["rejudge", str(old)], 2),
        (["verify", str(old)], 2),
        (["attest", str(old), "--key", str(key)], 2),
        (["fleet", "--merge", str(old), str(new)], 4),
    ):
        assert main(argv) == status, argv
        err = one_line(capsys)
        assert f"{old} has no kind: it was written before fleet reports stated their kind" in err, err


@pytest.mark.usefixtures("offline")
def test_a_version_2_report_is_still_compared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Its exchanges are inline: diff compares them with those today's report names by id."""
    new = fresh()
    old = older_reports.compliance_report(new, 2)
    privileged = next(e for c in old["clauses"] if c["id"] == "success.step" for e in c["evidence"])
    privileged["response"]["body"]["step"] = "importer_importing_messages"
    assert main(["diff", "--all", str(save(old, tmp_path / "v2.json")), str(save(new, tmp_path / "v3.json"))]) == 0
    out = capsys.readouterr().out
    assert 'step "importer_importing_messages" → "importer_done"' in out, out


# -- facts as fields --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("offline")
def test_a_rejudged_embedded_server_report_keeps_its_profile(tmp_path: Path) -> None:
    report = fresh(embedded="8.8")
    assert report["embedded_profile"] == "8.8"
    assert report["target"].startswith("embedded reference server (profile 8.8), Rocket.Chat 8.8.1")
    source, again = save(report, tmp_path / "run.json"), tmp_path / "again.json"
    assert main(["rejudge", str(source), "--report", str(again)]) == 0
    rejudged = json.loads(again.read_text(encoding="utf-8"))
    assert (rejudged["embedded_profile"], rejudged["target"]) == ("8.8", report["target"])
    assert main(["verify", str(again)]) == 0


@pytest.mark.usefixtures("offline")
def test_a_note_of_the_runs_own_is_kept_whatever_it_starts_with(tmp_path: Path) -> None:
    """The partly verified clauses are a field; the notes are the run's own, which judging again keeps whole."""
    report = fresh("3.18", notes=(USER_NOTE,))
    assert report["notes"] == [USER_NOTE]
    assert report["partly_verified"] == {"auth.invalid": ["logged-out-token"]}
    derived = "Partly verified: auth.invalid is known-drift on 7 of its 8 probes; not verified: logged-out-token ("
    source, again = save(report, tmp_path / "run.json"), tmp_path / "again.json"
    assert main(["rejudge", str(source), "--report", str(again)]) == 0
    rejudged = json.loads(again.read_text(encoding="utf-8"))
    assert rejudged["notes"] == [USER_NOTE]
    assert rejudged["partly_verified"] == report["partly_verified"]
    notes = shown_notes(rejudged)
    assert notes[0] == USER_NOTE and notes[1].startswith(derived) and len(notes) == 2, notes
    assert f"- `{notes[1]}`" in render_markdown(rejudged)


@pytest.mark.usefixtures("offline")
def test_verify_checks_the_partly_verified_clauses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    forged = fresh("3.18")
    forged["partly_verified"] = {}
    forged["digest"] = digest(forged)
    assert main(["verify", str(save(forged, tmp_path / "forged.json"))]) == 1
    err = capsys.readouterr().err
    assert 'partly_verified: states {}, its evidence gives {"auth.invalid": ["logged-out-token"]}' in err, err


def test_an_aborted_run_says_why_in_a_field_and_its_pages_say_it_first() -> None:
    report = fresh()
    report |= {"aborted": "cannot test http://127.0.0.1:8765: connection refused", "clauses": []}
    assert report["notes"] == []
    assert shown_notes(report) == [
        "Nothing was judged: the run stopped before its probes (cannot test http://127.0.0.1:8765: connection refused)"
    ]


# -- each exchange once -----------------------------------------------------------------------------------------


def _exchanges(value: Any, where: str = "") -> list[str]:
    """Where, in a JSON document, an exchange (an object with a request and a response) is kept."""
    if isinstance(value, dict):
        found = [where] if {"request", "response"} <= value.keys() else []
        return found + [path for key, item in value.items() for path in _exchanges(item, f"{where}/{key}")]
    if isinstance(value, list):
        return [path for index, item in enumerate(value) for path in _exchanges(item, f"{where}/{index}")]
    return []


def test_each_exchange_is_kept_once_and_the_evidence_names_it() -> None:
    report = fresh()
    kept = _exchanges(report)
    assert kept and all(path.startswith("/observations/probes/") for path in kept), kept
    assert len(kept) == len({path.rsplit("/", 1)[1] for path in kept}) == len(report["observations"]["probes"])
    for clause in report["clauses"]:
        assert all(isinstance(name, str) and name in by_id(report) for name in clause["evidence"]), clause
    shown = resolved(report)
    auth = next(c for c in shown["clauses"] if c["id"] == "auth.missing")
    assert [e["probe"] for e in auth["evidence"]] == ["no-headers", "user-id-only", "token-only"]
    assert auth["evidence"][0] is report["observations"]["probes"]["no-headers"]


# -- ids that do not resolve ------------------------------------------------------------------------------------


def _named(report: dict[str, Any], clause: str, evidence: list[str]) -> dict[str, Any]:
    forged = copy.deepcopy(report)
    next(c for c in forged["clauses"] if c["id"] == clause)["evidence"] = evidence
    forged["digest"] = digest(forged)
    return forged


def _held_twice(report: dict[str, Any]) -> dict[str, Any]:
    forged = copy.deepcopy(report)
    forged["observations"]["generated"]["generated.schemathesis"] = {
        "no-headers": copy.deepcopy(forged["observations"]["probes"]["no-headers"])
    }
    forged["digest"] = digest(forged)
    return forged


UNRESOLVED = {
    "unknown": (
        lambda r: _named(r, "auth.missing", ["no-headers", "no-such-request"]),
        "the evidence of auth.missing names the observation 'no-such-request', which the report does not hold",
    ),
    "twice": (
        lambda r: _named(r, "auth.missing", ["no-headers", "no-headers"]),
        "the evidence of auth.missing names the observation 'no-headers' twice",
    ),
    "not sent": (
        lambda r: _named(r, "auth.invalid", ["logged-out-token"]),
        "the evidence of auth.invalid names the observation 'logged-out-token', which was not sent",
    ),
    "held twice": (
        _held_twice,
        "the observation id 'no-headers' is held twice (under probes and generated generated.schemathesis)",
    ),
}


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize("case", UNRESOLVED, ids=UNRESOLVED.keys())
def test_evidence_that_names_no_single_exchange_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    forge, message = UNRESOLVED[case]
    report = fresh("3.18")
    path = save(forge(report), tmp_path / "forged.json")
    good = save(report, tmp_path / "good.json")
    for argv in (["verify", path], ["rejudge", path], ["propose-drift", path], ["diff", good, path]):
        assert main([str(arg) for arg in argv]) == 2, argv
        assert one_line(capsys).endswith(f"{path}: {message}\n")
    document = save(fleet(report, forge(report)), tmp_path / "fleet.json")
    assert main(["verify", str(document)]) == 2
    assert one_line(capsys).endswith(f"{document} target t1: {message}\n")


@pytest.mark.usefixtures("offline")
def test_evidence_that_names_another_exchange_does_not_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A forger cannot edit one clause's copy of an answer (there is none); pointing it at another answer is caught
    as judging again gives other evidence."""
    report = fresh()
    forged = _named(report, "success.step", ["no-headers"])
    assert main(["verify", str(save(forged, tmp_path / "forged.json"))]) == 1
    err = capsys.readouterr().err
    assert "success.step: states conforms, its evidence gives conforms (differs in: evidence)" in err, err


def test_a_report_the_fleet_reads_back_is_bounded_and_of_its_kind_and_version(tmp_path: Path) -> None:
    """The fleet reads its targets' reports from its own folder without the schema check (readers of the fleet
    report do that), but still within the reports' bounds, and only a compliance report of this schema_version."""
    report = json.loads((Path(__file__).parents[1] / "data" / "reports" / "rc-8.8.json").read_text(encoding="utf-8"))
    assert read_written_report(save(report, tmp_path / "ok.json")) == report
    refused = {
        "fleet": {**report, "kind": FLEET.name},
        "older": {**report, "schema_version": COMPLIANCE.version - 1},
        "list": [report],
        "deep": {**report, "notes": [functools.reduce(lambda inner, _: [inner], range(200), [])]},
    }
    for name, document in refused.items():
        with pytest.raises(ReportError):
            read_written_report(save(document, tmp_path / f"{name}.json"))
