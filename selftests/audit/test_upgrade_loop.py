"""The upgrade loop for a release the registry does not know: run, report, propose-drift, review, --extra-drift.

The stand-in is the reference 9.0 server reporting 9.2.0 whose 401 body changed again (fault
unauthenticated-new-body).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from suite_runner import OPERATION, SuiteResult, prepare, run_suite

from rocketchat_contract.client.printable import CONTROLS
from rocketchat_contract.commands import main as cli
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.contract.versions import covers, server_version
from rocketchat_contract.judge.unknown_release import MARKER
from rocketchat_contract.reference import Knobs, ReferenceServer

NEW_401 = {"success": False, "error": "Authentication required", "errorType": "error-unauthenticated"}
AUTH = ("auth.missing", "auth.invalid")
GENERATED = ("generated.schemathesis", "generated.hostile-credentials")
DATA = Path(__file__).resolve().parents[1] / "data" / "reports"
RAW = re.compile("[" + "".join(re.escape(chr(point)) for point in CONTROLS if chr(point) != "\n") + "]")


def newer_release(version: str = "9.2.0", profile: str = "9.0") -> Knobs:
    return Knobs(operation=OPERATION, version=version, faults=frozenset({"unauthenticated-new-body"}))


def propose(report: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(["propose-drift", str(report)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def first_run(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> tuple[SuiteResult, ReferenceServer]:
    prepare(monkeypatch, reference_server, "9.0", newer_release())
    return run_suite(pytester, base_url=reference_server.url), reference_server


def test_violations_on_a_newer_release_say_it_is_newer_than_known(first_run: tuple[SuiteResult, Any]) -> None:
    result, _ = first_run
    assert result.ret == 1
    assert result.report is not None
    assert result.report["server_version"] == "9.2" and result.report["judged_as"] == "9.1.0-rc.5"
    violated = [c for c in result.report["clauses"] if c["verdict"] == "violation"]
    assert {c["id"] for c in violated} == {*AUTH, *GENERATED}
    for clause in violated:
        assert MARKER in clause["detail"], clause["id"]
        assert "Rocket.Chat 9.2 is newer than the newest known release (9.1.0-rc.5)" in clause["detail"]
        assert "propose-drift" in clause["detail"]
    for probe in (p for c in violated if c["id"] in AUTH for p in c["probes"]):
        assert MARKER in probe["detail"], probe["probe"]  # a generated clause's parts: its detail says it once
    failed = [line for line in result.outcome.outlines if line.startswith("FAILED ")]
    assert failed and result.text().count(MARKER) >= len(failed)
    result.outcome.stdout.fnmatch_lines(["*note: Rocket.Chat 9.2 is newer than the newest known release*"])


def test_the_proposal_excuses_that_body_on_that_release_only(
    first_run: tuple[SuiteResult, ReferenceServer],
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    result, server = first_run
    code, out, err = propose(result.files[0], capsys)
    assert code == 0 and err == ""
    proposal = yaml.safe_load(out)
    assert store().problem("meta/drift-registry.schema.json", proposal) is None
    [entry] = proposal["entries"]
    assert entry["clauses"] == list(AUTH)
    assert entry["versions"] == ">=9.2.0"
    assert entry["instead"]["status"] == 401
    assert entry["id"].startswith("local-9-2-0-401-")
    date = result.report["started_at"][:10] if result.report else "?"
    assert entry["source"] == (
        f"observed on {server.url}, {date}: review and cite a release note or commit before upstreaming"
    )
    schema = {**entry["instead"]["body_schema"], "$schema": "https://json-schema.org/draft/2020-12/schema"}
    from jsonschema import Draft202012Validator

    accepts = Draft202012Validator(schema).is_valid
    assert accepts(NEW_401)
    assert not accepts({**NEW_401, "status": "error"}) and not accepts({"success": False, "error": "x"})
    assert out.startswith("# Drift entries proposed by `rocketchat-contract propose-drift")

    local = pytester.path / "local-drift.yaml"
    local.write_text(out)
    monkeypatch.setenv("COLUMNS", "500")  # the table's rows are as wide as the terminal: room for the file's path
    again = run_suite(pytester, "--extra-drift", str(local), base_url=server.url)
    assert again.ret == 0, again.text()
    assert again.verdicts["auth.missing"] == again.verdicts["auth.invalid"] == "known-drift"
    # The generated requests' 401s rest on the local entry too: known drift, as the auth clauses (issue 20, item 12).
    assert again.verdicts["generated.schemathesis"] == again.verdicts["generated.hostile-credentials"] == "known-drift"
    assert "violation" not in again.verdicts.values()
    for clause_id in AUTH + GENERATED:
        clause = next(c for c in again.report["clauses"] if c["id"] == clause_id) if again.report else {}
        assert clause["drift"]["id"] == entry["id"] and clause["drift"]["origin"] == str(local)
        assert f"(local entry from {local})" in clause["detail"]
    again.outcome.stdout.fnmatch_lines([f"auth.missing*KNOWN DRIFT*{entry['id']} (local entry from*"])

    # The same file on an 8.8 server that sends that body: not excused (the entry starts at 9.2.0).
    prepare(monkeypatch, server, "8.8", Knobs(operation=OPERATION, faults=frozenset({"unauthenticated-new-body"})))
    known = run_suite(pytester, "--extra-drift", str(local), base_url=server.url)
    assert known.ret == 1
    assert known.verdicts["auth.missing"] == known.verdicts["auth.invalid"] == "violation"
    assert MARKER not in json.dumps(known.report)


def test_a_bad_extra_drift_file_is_a_usage_error_naming_file_and_entry(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, reference_server, "9.0")
    bad = pytester.path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"entries": [{"id": "local-x", "clauses": ["auth.missing"], "versions": ">=9.2"}]}))
    result = run_suite(pytester, "--extra-drift", str(bad), base_url=reference_server.url)
    assert result.ret == 4
    assert f"--extra-drift {bad}: entry local-x: 'instead' is a required property" in result.text()
    assert "Traceback" not in result.text()


def test_ini_rc_extra_drift_loads_the_file(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, reference_server, "9.0", newer_release())
    entry = {
        "id": "local-org-401",
        "clauses": list(AUTH),
        "versions": ">=9.2.0",
        "instead": {"status": 401, "body_schema": {"const": NEW_401}},
        "summary": "Our 9.2 build answers 401 with its own body.",
        "source": "ticket OPS-1234",
    }
    ours = pytester.path / "ours.yaml"
    ours.write_text(yaml.safe_dump({"entries": [entry]}))
    result = run_suite(pytester, "-o", f"rc_extra_drift={ours}", base_url=reference_server.url)
    assert result.ret == 0, result.text()
    assert result.verdicts["auth.missing"] == "known-drift"
    assert result.report is not None
    missing = next(c for c in result.report["clauses"] if c["id"] == "auth.missing")
    assert f"local-org-401 (local entry from {ours})" in missing["detail"]
    assert missing["drift"]["origin"] == str(ours)


# -- propose-drift on its own -------------------------------------------------------------------------


def _report(tmp_path: Path, report: dict[str, Any]) -> Path:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    return path


def test_nothing_to_propose_says_so_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A report with no violation proposes nothing, and says so rather than printing nothing (issue 25, row 11)."""
    report = json.loads((DATA / "rc-8.8.json").read_text())
    assert "violation" not in {c["verdict"] for c in report["clauses"]}
    status, out, err = propose(_report(tmp_path, report), capsys)
    assert (status, out) == (0, "")
    assert err == (
        "rocketchat-contract propose-drift: nothing to propose: the report has no unexplained answer (no violation)\n"
    )


def test_unproposable_violations_are_named_but_not_proposed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A step outside the set is a check of its own, not drift: named, never proposed."""
    report = json.loads((DATA / "rc-9.9.json").read_text())
    report["server_version"] = "9.2.0"
    # Keep the step as the only violation (the fixture's 429 to the under-privileged probe and its 8.x 401
    # bodies, judged as the newest known release, are proposable).
    report["clauses"] = [c for c in report["clauses"] if c["id"] not in ("permission.run-import", *AUTH)]
    code, out, err = propose(_report(tmp_path, report), capsys)
    assert (code, out) == (0, "")
    assert err.count("\n") == 1 and "nothing to propose" in err and "success.step" in err


def test_a_known_release_gets_no_proposal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = json.loads((DATA / "rc-8.8.json").read_text())
    clause = next(c for c in report["clauses"] if c["id"] == "auth.missing")
    clause["verdict"] = "violation"
    clause["probes"][0]["verdict"] = "violation"
    report["observations"]["probes"][clause["evidence"][0]]["response"]["body"] = NEW_401
    code, out, err = propose(_report(tmp_path, report), capsys)
    assert (code, out) == (0, "")
    assert "8.8.1 is a release the registry knows" in err and err.count("\n") == 1


def test_distinct_answers_make_distinct_entries_and_failures_are_never_proposed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = json.loads((DATA / "rc-8.8.json").read_text())
    report["server_version"] = "9.2.0-rc.3"
    by_id = {c["id"]: c for c in report["clauses"]}
    bodies = {
        "no-headers": NEW_401,
        "user-id-only": NEW_401,
        "token-only": {"success": False, "error": "Token missing"},
        "wrong-token": {**NEW_401, "key": "csv"},
    }
    observed = report["observations"]["probes"]
    for name in by_id["auth.missing"]["evidence"] + by_id["auth.invalid"]["evidence"]:
        if name in bodies:
            observed[name]["response"]["body"] = copy.deepcopy(bodies[name])
    for clause_id in AUTH:
        by_id[clause_id]["verdict"] = "violation"
        for probe in by_id[clause_id]["probes"]:
            if probe["probe"] in bodies:
                probe["verdict"] = "violation"
    privileged = by_id["success.response"]
    privileged["verdict"] = "violation"
    privileged["probes"][0]["verdict"] = "violation"
    observed[privileged["evidence"][0]]["response"].update(status=500, body="Internal Server Error")
    code, out, err = propose(_report(tmp_path, report), capsys)
    assert code == 0 and err == ""
    entries = yaml.safe_load(out)["entries"]
    # From the observed release candidate on, as Rocket.Chat orders versions: that candidate and 9.2.0 itself,
    # not the candidates before it.
    assert [e["versions"] for e in entries] == [">=9.2.0rc3", ">=9.2.0rc3"]
    assert [covers(entries[0]["versions"], server_version(v)) for v in ("9.2.0-rc.3", "9.2.0", "9.2.0-rc.2")] == [
        True,
        True,
        False,
    ]
    assert [e["instead"]["body_schema"]["properties"]["error"]["const"] for e in entries] == [
        "Authentication required",
        "Token missing",
    ]
    assert all(e["clauses"] == ["auth.missing"] for e in entries)
    assert "# not proposed: auth.invalid: wrong-token: the 401 body carries progress data (key)" in out
    assert "# not proposed: success.response: privileged: status 500" in out


def test_an_aborted_report_says_so_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run that could not test its target has nothing to propose from: say the report was aborted, and why."""
    from rocketchat_contract.reports.model import build_report
    from rocketchat_contract.results.ledger import Ledger
    from rocketchat_contract.results.record import RunRecord

    run = RunRecord(base_url="https://chat.example.com", started_at="2025-06-03T10:00:00+00:00")
    run.error = "cannot test https://chat.example.com: TLS certificate not trusted"
    code, out, err = propose(_report(tmp_path, build_report(run, Ledger(), strict_docs=False)), capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "aborted run" in err and "TLS certificate not trusted" in err


@pytest.mark.parametrize(
    ("content", "message"), [(None, "no such file"), ("{", "not JSON"), ("{}", "not a compliance")]
)
def test_unreadable_input_exits_2_with_one_line(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content)
    done = subprocess.run(
        [sys.executable, "-m", "rocketchat_contract.commands.main", "propose-drift", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr and str(path) in done.stderr


def test_a_drafted_body_shows_no_control_character_and_loads_as_observed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A server's words in a drafted entry are escapes (YAML's own, or \\u), never raw: the draft is printed."""
    hostile = "Denied\x1b]0;pwned\x07\x9b2J\x7f\x85\u202eevil\u2066iso\u2069\u2028end"
    report = json.loads((DATA / "rc-8.8.json").read_text())
    report["server_version"] = "9.2.0"
    clause = next(c for c in report["clauses"] if c["id"] == "auth.missing")
    clause["verdict"] = "violation"
    for probe in clause["probes"]:
        probe["verdict"] = "violation"
    body = {"success": False, "error": hostile, hostile: "key"}
    observed = report["observations"]["probes"]
    for name in clause["evidence"]:
        observed[name]["response"]["body"] = body
    privileged = next(c for c in report["clauses"] if c["id"] == "success.response")
    privileged["verdict"] = "violation"
    privileged["probes"][0].update(verdict="violation", probe="privileged\n\x1b[2J")
    observed[privileged["evidence"][0]].update(probe="privileged\n\x1b[2J")
    observed[privileged["evidence"][0]]["response"].update(status=500, body=hostile)
    code, out, err = propose(_report(tmp_path, report), capsys)
    assert code == 0 and err == ""
    assert not RAW.search(out), sorted({f"U+{ord(c):04X}" for c in RAW.findall(out)})
    (entry,) = yaml.safe_load(out)["entries"]
    assert entry["instead"]["body_schema"]["properties"]["error"]["const"] == hostile
    assert hostile in entry["instead"]["body_schema"]["properties"]
    assert "# not proposed: success.response: privileged\\n\\x1b[2J: status 500" in out
