"""`rocketchat-contract diff OLD.json NEW.json`: what changed between two runs, and whether it regressed."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rocketchat_contract.commands.main import main
from rocketchat_contract.reports.diff import ClauseChange, diff_reports, render_diff
from rocketchat_contract.reports.observations import by_id, resolved

DATA = Path(__file__).resolve().parents[1] / "data" / "reports"
VERDICTS = ("conforms", "known-drift", "violation", "not-verified")


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return document


def clause(report: dict[str, Any], clause_id: str) -> dict[str, Any]:
    return next(c for c in report["clauses"] if c["id"] == clause_id)


def evidence(report: dict[str, Any], clause_id: str) -> list[dict[str, Any]]:
    """The exchanges a clause's evidence names: the report's own observations, edited in place."""
    return list(clause(resolved(report), clause_id)["evidence"])


def sent(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every exchange the report keeps (each once), edited in place."""
    return [data for data in by_id(report).values() if "request" in data]


def run_diff(
    tmp_path: Path, old: dict[str, Any], new: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    paths = []
    for name, report in (("old.json", old), ("new.json", new)):
        path = tmp_path / name
        path.write_text(json.dumps(report), encoding="utf-8")
        paths.append(str(path))
    code = main(["diff", *paths])
    out, err = capsys.readouterr()
    return code, out, err


def row(markdown: str, clause_id: str) -> str:
    return next(line for line in markdown.splitlines() if line.startswith(f"| `{clause_id}`"))


def test_identical_reports_mean_no_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = load("rc-8.8.json")
    code, out, err = run_diff(tmp_path, report, copy.deepcopy(report), capsys)
    assert code == 0 and err == ""
    assert "no change" in out.lower()
    assert "8.8.1" in out
    assert "| Clause |" not in out


def test_volatile_fields_are_not_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = load("rc-9.9.json")
    new = copy.deepcopy(old)
    new["started_at"] = "2025-10-01T08:00:00+00:00"
    for exchange in sent(new):
        exchange["request"]["headers"]["X-Auth-Token"] = "another-random-token"
        response = exchange["response"]
        response["elapsed_ms"] += 250
        for name in list(response["headers"]):
            if name.lower().startswith("x-ratelimit") or name == "Retry-After":
                response["headers"][name] = "7"
        body = response["body"]
        if isinstance(body, dict) and "too many requests" in str(body.get("error")):
            body["error"] = body["error"].replace("42 seconds", "17 seconds")
    code, out, _ = run_diff(tmp_path, old, new, capsys)
    assert code == 0
    assert "no change" in out.lower()


def test_conforms_to_violation_regresses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = load("rc-8.8.json")
    new = copy.deepcopy(old)
    clause(new, "success.counts")["verdict"] = "violation"
    clause(new, "success.counts")["detail"] = "expected 0 <= completed <= total, got completed=7, total=5"
    code, out, _ = run_diff(tmp_path, old, new, capsys)
    assert code == 1
    line = row(out, "success.counts")
    assert "**regressed**" in line and "conforms" in line and "violation" in line
    assert "got completed=7, total=5" in line
    assert "1 regression" in out


def test_known_drift_to_conforms_is_listed_without_failing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_diff(tmp_path, load("rc-3.18.json"), load("rc-8.8.json"), capsys)
    assert code == 0
    line = row(out, "permission.run-import")
    assert "known drift" in line and "conforms" in line and "regressed" not in line
    assert "400 → 403" in line
    assert "3.18.3" in out and "8.8.1" in out
    assert "No regression" in out


def test_changed_status_with_the_same_verdict_is_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = load("rc-8.8.json")
    new = copy.deepcopy(old)
    response = evidence(new, "method.get-only")[0]["response"]
    response.update(
        {
            "status": 405,
            "headers": {"Content-Type": "application/json"},
            "body": {"status": "error", "message": "API endpoint does not exist"},
        }
    )
    code, out, _ = run_diff(tmp_path, old, new, capsys)
    assert code == 0
    line = row(out, "method.get-only")
    assert "post-method: 404 → 405" in line
    assert line.count("conforms") == 2
    # One answer, kept once: each clause whose evidence names it sees it change.
    for other in ("errors.no-leak", "robustness.no-server-error"):
        assert "post-method: 404 → 405" in row(out, other)
    assert "3 of 14 clauses changed" in out


def test_changed_body_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_diff(tmp_path, load("rc-8.8.json"), load("rc-9.9.json"), capsys)
    assert code == 1
    assert 'step "importer_done" → "importer_importing_history"' in row(out, "success.step")
    assert "403 → 429" in row(out, "permission.run-import")
    assert "✅ conforms | ❌ violation" in row(out, "permission.run-import")
    regressed = [line for line in out.splitlines() if "**regressed**" in line]
    # 9.9 is judged as the newest known release, whose 401 body is not the 8.x one: auth.* regress too.
    expected = ["success.step", "auth.missing", "auth.invalid", "permission.run-import"]
    assert [line.split("`")[1] for line in regressed] == expected


def progressed(report: dict[str, Any], completed: int, step: str | None = None) -> dict[str, Any]:
    """The same run later in the import: the privileged answer's counts (and step) moved on."""
    later = copy.deepcopy(report)
    for exchange in sent(later):
        body = (exchange["response"] or {}).get("body")
        if isinstance(body, dict) and isinstance(body.get("count"), dict):
            body["count"]["completed"] = completed
            if step:
                body["step"] = step
    for item in later["clauses"]:
        item["detail"] = item["detail"].replace("0 <= 500 <= 500", f"0 <= {completed} <= 500")
    return later


def test_counts_moving_during_an_import_are_no_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = load("rc-8.8.json")
    new = progressed(old, 120, "importer_importing_messages")
    code, out, _ = run_diff(tmp_path, old, new, capsys)
    assert code == 0
    assert "No change" in out and "| Clause |" not in out
    # success.* (4), endpoint.exists and robustness.no-server-error, which keeps every request it looked at
    assert "6 clauses' answers differ only in values" in out and "--all" in out
    code = main(["diff", "--all", str(tmp_path / "old.json"), str(tmp_path / "new.json")])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "(values only)" in row(out, "success.counts")
    assert "count.completed 500 → 120" in row(out, "success.counts")


def test_a_new_field_is_a_change_of_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = load("rc-8.8.json")
    new = progressed(old, 500)
    body = evidence(new, "success.response")[0]["response"]["body"]
    body["count"]["skipped"] = 3
    code, out, _ = run_diff(tmp_path, old, new, capsys)
    assert code == 0
    line = row(out, "success.response")
    assert "+count.skipped 3" in line and "values only" not in line


def test_a_disappeared_clause_regresses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = load("rc-8.8.json")
    new = copy.deepcopy(old)
    new["clauses"] = [c for c in new["clauses"] if c["id"] != "endpoint.exists"]
    code, out, _ = run_diff(tmp_path, old, new, capsys)
    assert code == 1
    assert "absent" in row(out, "endpoint.exists") and "**regressed**" in row(out, "endpoint.exists")


def test_a_new_clause_is_listed_without_failing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = load("rc-8.8.json")
    old = copy.deepcopy(new)
    old["clauses"] = [c for c in old["clauses"] if c["id"] != "errors.json"]
    code, out, _ = run_diff(tmp_path, old, new, capsys)
    assert code == 0
    assert "new clause" in row(out, "errors.json")


@pytest.mark.parametrize("old", VERDICTS)
@pytest.mark.parametrize("new", VERDICTS)
def test_which_verdict_changes_regress(old: str, new: str) -> None:
    worse = {
        ("conforms", "known-drift"),
        ("conforms", "violation"),
        ("conforms", "not-verified"),
        ("known-drift", "violation"),
        ("not-verified", "violation"),
    }
    assert ClauseChange("x", old, new, ()).regressed is ((old, new) in worse)


def test_diff_escapes_pipes_in_the_table() -> None:
    old = load("rc-8.8.json")
    new = copy.deepcopy(old)
    clause(new, "success.step")["verdict"] = "violation"
    clause(new, "success.step")["detail"] = "step a|b is unknown"
    markdown = render_diff(diff_reports(old, new))
    assert "step a\\|b is unknown" in row(markdown, "success.step")


INVALID = {
    "missing file": None,
    "not JSON": "{not json",
    "not a report": json.dumps({"hello": "world"}),
    "bad verdict": "BAD_VERDICT",
    "empty file": "",
}


@pytest.mark.parametrize("content", INVALID.values(), ids=INVALID.keys())
def test_invalid_input_exits_2_with_one_line(
    content: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    if content == "BAD_VERDICT":
        report = load("rc-8.8.json")
        report["clauses"][0]["verdict"] = "fine"
        content = json.dumps(report)
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    code = main(["diff", str(DATA / "rc-8.8.json"), str(bad)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("rocketchat-contract diff: ") and "bad.json" in err
    assert "Traceback" not in err


def test_a_directory_is_invalid_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(tmp_path), str(DATA / "rc-8.8.json")]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_missing_arguments_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "only-one.json"]) == 2
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().err


def test_command_line_in_a_subprocess(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    command = [sys.executable, "-m", "rocketchat_contract.commands.main", "diff"]
    result = subprocess.run(
        [*command, str(DATA / "rc-8.8.json"), str(bad)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    result = subprocess.run(
        [*command, str(DATA / "rc-8.8.json"), str(DATA / "rc-9.9.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "| `success.step` **regressed** |" in result.stdout


def _aborted_report() -> dict[str, Any]:
    """The report a run writes when its target cannot be tested (build_report of a RunRecord with an error)."""
    from rocketchat_contract.reports.model import build_report
    from rocketchat_contract.results.ledger import Ledger
    from rocketchat_contract.results.record import RunRecord

    run = RunRecord(base_url="https://chat.example.com", started_at="2025-06-03T10:00:00+00:00")
    run.error = "cannot test https://chat.example.com: connection refused"
    return build_report(run, Ledger(), strict_docs=False)


@pytest.mark.parametrize("aborted_side", ["old", "new"])
def test_an_aborted_report_is_named_with_its_reason_not_diffed(
    aborted_side: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An aborted run judged nothing: diff says so and why (exit 2), instead of 14 'not judged' regressions."""
    judged, aborted = load("rc-8.8.json"), _aborted_report()
    old, new = (aborted, judged) if aborted_side == "old" else (judged, aborted)
    code, out, err = run_diff(tmp_path, old, new, capsys)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1, err
    assert f"{aborted_side}.json is the report of an aborted run" in err and "connection refused" in err


def test_a_reports_words_in_the_error_line_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A report is a file, as hostile as a server: its aborted reason reaches the terminal escaped, on one line."""
    aborted = _aborted_report()
    aborted["aborted"] = "cannot test: the server said \x1b]0;pwned\x07\u202e\nsecond line"
    code, out, err = run_diff(tmp_path, load("rc-8.8.json"), aborted, capsys)
    assert (code, out) == (2, "")
    assert err.endswith("the server said \\x1b]0;pwned\\x07\\u202e second line\n") and err.count("\n") == 1
