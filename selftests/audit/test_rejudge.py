"""A report is the single source of truth (issue 22): `rejudge` judges its recorded exchanges again, offline,
with the verdicts of the live run; `verify` finds a hand edit; an older report is refused in one line."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import older_reports
import pytest
import rfc8785
from report_files import fixture_generator, save
from suite_runner import OPERATION, block_network, prepare, run_suite, verdicts_of

from rocketchat_contract.client.frontend import hostile_input
from rocketchat_contract.client.probes import NON_ASCII, OVERLONG
from rocketchat_contract.commands.main import main
from rocketchat_contract.reference import PROFILES, Knobs, ReferenceServer
from rocketchat_contract.reference.fixtures import *  # noqa: F403
from rocketchat_contract.reports.model import digest
from rocketchat_contract.results.evidence import request_headers

FAULTS = (
    "accept-empty-token",
    "error-as-text",
    "server-error-on-long-token",
    "success-wrong-content-type",
    "progress-leaked-into-401",
    "post-accepted",
)
CASES = [
    *((profile, Knobs(operation=OPERATION)) for profile in PROFILES),
    *(("8.8", Knobs(operation=OPERATION, faults=frozenset({fault}))) for fault in FAULTS),
    ("9.0", Knobs(operation=OPERATION, variations=frozenset({"forbidden-error-type"}))),
]
GENERATE = Path(__file__).resolve().parents[1] / "data" / "reports" / "generate.py"


@pytest.mark.parametrize(
    ("profile", "knobs"), CASES, ids=[f"{p}-{'+'.join(sorted(k.faults | k.variations)) or 'as-is'}" for p, k in CASES]
)
def test_rejudging_a_live_report_gives_its_verdicts_offline(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    profile: str,
    knobs: Knobs,
) -> None:
    server = prepare(monkeypatch, reference_server, profile, knobs)
    live = run_suite(pytester, base_url=server.url)
    assert live.report is not None, live.text()
    saved = save(live.report, tmp_path / "live.json")
    again = tmp_path / "again.json"
    block_network(monkeypatch)
    status = main(["rejudge", str(saved), "--report", str(again)])
    assert status == live.ret, live.text()
    rejudged = json.loads(again.read_text(encoding="utf-8"))
    assert verdicts_of(rejudged) == verdicts_of(live.report)
    assert main(["verify", str(saved)]) == 0
    for secret in server.secrets():
        assert secret not in saved.read_text(encoding="utf-8") + again.read_text(encoding="utf-8")


def test_a_rejudged_answer_past_the_cap_keeps_its_verdict(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The report keeps that the body was larger than the cap (--rc-max-body, here 4 KiB), so a re-judge, which
    sees only the 2000 characters kept, finds the same violation for the same reason."""
    knobs = Knobs(operation=OPERATION, faults=frozenset({"hostile-oversized-body"}))
    server = prepare(monkeypatch, reference_server, "8.8", knobs)
    live = run_suite(pytester, "--rc-max-body", "4KiB", base_url=server.url)
    assert live.ret == 1 and live.report is not None, live.text()
    success = next(c for c in live.report["clauses"] if c["id"] == "success.response")
    response = live.report["observations"]["probes"][success["evidence"][0]]["response"]
    assert (success["verdict"], response["larger_than"], response["format"]) == ("violation", 4096, "text")
    assert response["length"] == 4096 and len(response["sha256"]) == 64
    saved = save(live.report, tmp_path / "live.json")
    again = tmp_path / "again.json"
    block_network(monkeypatch)
    assert main(["rejudge", str(saved), "--report", str(again)]) == 1
    rejudged = json.loads(again.read_text(encoding="utf-8"))
    assert verdicts_of(rejudged) == verdicts_of(live.report)
    detail = next(c for c in rejudged["clauses"] if c["id"] == "success.response")["detail"]
    assert "a body larger than 4096 bytes" in detail, detail
    assert main(["verify", str(saved)]) == 0


def _fresh_report() -> dict[str, Any]:
    """The 8.8 fixture's report, judged now (so it names the installed registry), without a server."""
    module = fixture_generator()
    report: dict[str, Any] = module.build(
        "8.8.1", "https://chat.example.com", "2025-06-02T09:14:05+00:00", module.rc_8_8(), []
    )
    return report


@pytest.mark.usefixtures("offline")
def test_verify_accepts_an_untouched_report_and_rejudge_agrees(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _fresh_report()
    path = save(report, tmp_path / "report.json")
    assert main(["verify", str(path)]) == 0
    assert capsys.readouterr().out.startswith("consistent, unsigned: ")
    assert main(["rejudge", str(path)]) == 0
    assert "success.step" in capsys.readouterr().out


@pytest.mark.usefixtures("offline")
def test_verify_catches_an_edited_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _fresh_report()
    step = next(c for c in report["clauses"] if c["id"] == "success.step")
    assert step["verdict"] == "conforms"
    step["verdict"] = "violation"
    report["digest"] = digest(report)  # even a forger who recomputes the digest is caught by the evidence
    assert main(["verify", str(save(report, tmp_path / "edited.json"))]) == 1
    err = capsys.readouterr().err
    assert "success.step: states violation, its evidence gives conforms" in err
    assert "auth.missing" not in err


@pytest.mark.usefixtures("offline")
def test_verify_catches_an_edited_response_body(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _fresh_report()
    edited = copy.deepcopy(report)
    edited["observations"]["probes"]["privileged"]["response"]["body"]["count"]["completed"] = 499
    assert main(["verify", str(save(edited, tmp_path / "body.json"))]) == 1
    assert "digest: does not match its content" in capsys.readouterr().err
    edited["observations"]["probes"]["privileged"]["response"]["body"]["step"] = "no-such-step"
    edited["digest"] = digest(edited)
    assert main(["verify", str(save(edited, tmp_path / "forged.json"))]) == 1
    assert "success.step: states conforms, its evidence gives violation" in capsys.readouterr().err


@pytest.mark.usefixtures("offline")
def test_verify_prints_a_forged_reports_words_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A report is a file, hostile as a server: what verify quotes of it reaches the terminal escaped."""
    report = _fresh_report()
    report["registry"]["suite_version"] = "0.1\x1b]0;pwned\x07\u202e"
    report["digest"] = digest(report)
    assert main(["verify", str(save(report, tmp_path / "forged.json"))]) == 2
    err = capsys.readouterr().err
    assert "(suite 0.1\\x1b]0;pwned\\x07\\u202e, data" in err and "\x1b" not in err and "\u202e" not in err


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize(("command", "status"), [("verify", 2), ("rejudge", 2)])
def test_an_older_report_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, status: int
) -> None:
    older = older_reports.compliance_report(_fresh_report(), None)
    assert main([command, str(save(older, tmp_path / "old.json"))]) == status
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "has no schema_version" in err, err


@pytest.mark.parametrize(
    "headers",
    [
        {"X-User-Id": "abc", "X-Auth-Token": "A" * OVERLONG},
        {"X-User-Id": "abc", "X-Auth-Token": NON_ASCII},
        {"X-User-Id": "abc", "X-Auth-Token": " \t "},
        {"X-User-Id": '{"$ne": null}', "X-Auth-Token": "x"},
        {"X-User-Id": "abc", "X-Auth-Token": "plain-token"},
        {},
    ],
)
def test_rebuilt_request_headers_are_judged_as_the_sent_ones(headers: dict[str, str | bytes]) -> None:
    """The report keeps header values redacted and shortened, and what a front end may refuse in them."""
    described = hostile_input(headers)
    assert hostile_input(request_headers(described, list(headers))) == described


def test_the_upgrade_loop_needs_no_second_run(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Run once, propose-drift, rejudge with the drafted file: the verdicts a second run with it would give."""
    knobs = Knobs(operation=OPERATION, version="9.2.0", faults=frozenset({"unauthenticated-new-body"}))
    server = prepare(monkeypatch, reference_server, "9.0", knobs)
    first = run_suite(pytester, base_url=server.url)
    assert first.ret == 1 and first.report is not None
    saved = save(first.report, tmp_path / "run.json")
    capsys.readouterr()
    assert main(["propose-drift", str(saved)]) == 0
    drift = tmp_path / "local-drift.yaml"
    drift.write_text(capsys.readouterr().out, encoding="utf-8")
    prepare(monkeypatch, reference_server, "9.0", knobs)
    second = run_suite(pytester, "--extra-drift", str(drift), base_url=server.url)
    assert second.ret == 0 and second.report is not None, second.text()
    block_network(monkeypatch)
    again = tmp_path / "again.json"
    assert main(["rejudge", str(saved), "--extra-drift", str(drift), "--report", str(again)]) == 0
    rejudged = json.loads(again.read_text(encoding="utf-8"))
    assert verdicts_of(rejudged) == verdicts_of(second.report)
    assert rejudged["registry"]["extra_drift"][0]["path"] == str(drift)
    assert main(["verify", str(again)]) == 0


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize(("command", "status"), [("verify", 2), ("rejudge", 2)])
def test_a_version_2_report_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, status: int
) -> None:
    """A report written before reports recorded their selection and each exchange's URL cannot be checked for
    either: refused in one line, as older ones are."""
    older = older_reports.compliance_report(_fresh_report(), 2)
    assert main([command, str(save(older, tmp_path / "v2.json"))]) == status
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "has schema_version 2: it was written before reports recorded" in err, err


NOT_I_JSON = (
    '{"key": "csv", "name": "\\ud800", "step": "importer_done", '
    '"count": {"completed": 1, "total": 9007199254740993}, "success": true}'
)
"""A body Python's json reads, with a lone surrogate and an integer beyond a double's exact range: no canonical
form (RFC 8785) exists for it."""


@pytest.mark.usefixtures("offline")
def test_a_body_that_is_not_i_json_is_kept_as_text_and_the_report_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The digest is RFC 8785's; a server's body without a canonical form is kept as its text (judged again, it is
    parsed as it was), so the report can be written, digested and verified."""
    module = fixture_generator()
    observations = module.rc_8_8()
    observations["privileged"].body_text = NOT_I_JSON
    report = module.build("8.8.1", "https://chat.example.com", "2025-06-02T09:14:05+00:00", observations, [])
    response = report["observations"]["probes"]["privileged"]["response"]
    assert response["format"] == "text" and response["body"] == NOT_I_JSON
    rest = {key: value for key, value in report.items() if key != "digest"}
    assert report["digest"] == hashlib.sha256(rfc8785.dumps(rest)).hexdigest()
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(report, indent=4, sort_keys=True), encoding="utf-8")  # other bytes, same document
    assert main(["verify", str(path)]) == 0, capsys.readouterr().err
