"""Every request a verdict rests on is kept as evidence, conforming or not, generated or probe, and `diff`
compares what was kept without mistaking a request nobody kept for one that was not sent (issue 20, item 13)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from suite_runner import OPERATION, prepare, run_suite

from rocketchat_contract.commands.main import main
from rocketchat_contract.reference import Knobs, ReferenceServer
from rocketchat_contract.reference.fixtures import *  # noqa: F403
from rocketchat_contract.reports.diff import diff_reports
from rocketchat_contract.reports.observations import by_id

DATA = Path(__file__).resolve().parents[1] / "data" / "reports"
CROSS_PROBE = ("errors.no-leak", "errors.json", "robustness.no-server-error")
GENERATED = ("generated.schemathesis", "generated.hostile-credentials")
ENDPOINT = "/api/v1/getImportProgress"


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return document


def clause(report: dict[str, Any], clause_id: str) -> dict[str, Any]:
    return next(c for c in report["clauses"] if c["id"] == clause_id)


def test_the_report_keeps_every_request_that_was_sent(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The robustness clause (every probe) and the generated clauses (every generated request) together hold
    each request the endpoint received, redacted; the conforming cross-probe clauses hold theirs too."""
    server = prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION))
    result = run_suite(pytester, base_url=server.url)
    assert result.ret == 0, result.text()
    report = result.report
    assert report is not None
    for clause_id in CROSS_PROBE:
        assert clause(report, clause_id)["verdict"] == "conforms"
        assert clause(report, clause_id)["evidence"], f"{clause_id} keeps no exchange"
    kept = [x for c in ("robustness.no-server-error", *GENERATED) for x in clause(report, c)["evidence"]]
    received = [r for r in server.requests if r.path == ENDPOINT]
    assert len(kept) == len(received), (len(kept), len(received))
    assert sum(len(clause(report, c)["evidence"]) for c in GENERATED) > 50
    # Each kept once, in observations, which the clauses' evidence names by id: no exchange appears twice.
    exchanges = [value for value in _objects(report) if {"request", "response"} <= value.keys()]
    observed = [data for data in by_id(report).values() if "request" in data]
    assert len(exchanges) == len(observed) == len(kept)
    assert all(any(exchange is data for data in observed) for exchange in exchanges)
    text = json.dumps(report)
    for secret in server.secrets():
        assert secret not in text


def _objects(value: Any) -> list[dict[str, Any]]:
    """Every JSON object in a document, nested ones included."""
    if isinstance(value, dict):
        return [value, *(found for item in value.values() for found in _objects(item))]
    if isinstance(value, list):
        return [found for item in value for found in _objects(item)]
    return []


def _with_generated(report: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """A report whose schemathesis clause kept the auth.missing answers, under the given request names."""
    copied = copy.deepcopy(report)
    probes = copied["observations"]["probes"]
    answers = [probes[name] for name in clause(copied, "auth.missing")["evidence"]]
    generated = clause(copied, "generated.schemathesis")
    generated["verdict"] = "known-drift"
    copied["observations"]["generated"]["generated.schemathesis"] = {
        n: {**copy.deepcopy(answers[i % len(answers)]), "probe": n} for i, n in enumerate(names)
    }
    generated["evidence"] = list(names)
    return copied


def test_generated_requests_drawn_anew_are_no_change() -> None:
    """Another seed or version draws other requests: only the answers that came back are compared."""
    old = _with_generated(load("rc-8.8.json"), ["schemathesis GET 1", "schemathesis GET 2"])
    new = _with_generated(load("rc-8.8.json"), ["schemathesis GET a", "schemathesis GET b", "schemathesis GET c"])
    assert diff_reports(old, new).changes == []
    changed = copy.deepcopy(new)
    changed["observations"]["generated"]["generated.schemathesis"]["schemathesis GET a"]["response"]["status"] = 500
    [change] = diff_reports(old, changed).changes
    assert change.clause == "generated.schemathesis" and "newly observed" in " ".join(change.changes)


def test_a_clause_whose_old_report_kept_nothing_is_not_called_unobserved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A report from before exchanges were kept for conforming clauses: its empty evidence is not '401 → absent'."""
    new = load("rc-8.8.json")
    old = copy.deepcopy(new)
    for clause_id in CROSS_PROBE:
        assert clause(new, clause_id)["evidence"]
        clause(old, clause_id)["evidence"] = []
    for first, second in ((old, new), (new, old)):
        paths = [tmp_path / "a.json", tmp_path / "b.json"]
        for path, report in zip(paths, (first, second), strict=True):
            path.write_text(json.dumps(report), encoding="utf-8")
        assert main(["diff", *map(str, paths)]) == 0
        out = capsys.readouterr().out
        assert "observed" not in out and "No change" in out, out
