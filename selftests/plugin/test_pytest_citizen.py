"""The suite behaves as a pytest suite should: one truth per clause whatever the selection, order or ``-n``,
sub-path base URLs, readable contract tests, and a registry of checks that matches the data."""

from __future__ import annotations

import ast
import json
import re
import shlex
import socket
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from suite_runner import OPERATION, SUITE, SuiteResult, prepare, run_suite
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from rocketchat_contract.contract.catalogue import contract
from rocketchat_contract.contract.data import schemas_dir
from rocketchat_contract.judge.checks import REGISTRY
from rocketchat_contract.reference import Knobs, ReferenceServer

ENDPOINT = "/api/v1/getImportProgress"
OUTCOME = re.compile(r"^(PASSED|FAILED|XFAIL|SKIPPED|ERROR) (\S+)")
# Violations in probes and generated requests alike, and known drift elsewhere: every kind of outcome.
FAULT = frozenset({"progress-leaked-into-401"})


def outcomes(result: SuiteResult) -> dict[str, str]:
    """Node id (relative to tests/) -> outcome, from the -rA short summary."""
    found = {}
    for line in result.outcome.outlines:
        if match := OUTCOME.match(line):
            nodeid = match.group(2).split("tests/", 1)[-1]
            found[nodeid] = match.group(1)
    return found


def traffic(server: ReferenceServer) -> dict[str, int]:
    user = server.accounts["user"].user_id
    hits = [r for r in server.requests if r.path == ENDPOINT]
    return {"endpoint": len(hits), "under-privileged": sum(r.user_id == user for r in hits)}


@pytest.fixture
def faulty(reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch) -> ReferenceServer:
    return prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION, faults=FAULT))


@pytest.fixture
def full_run(pytester: pytest.Pytester, faulty: ReferenceServer) -> tuple[SuiteResult, dict[str, int]]:
    result = run_suite(pytester, base_url=faulty.url)
    assert result.ret == 1, result.text()
    return result, traffic(faulty)


def _again(server: ReferenceServer, monkeypatch: pytest.MonkeyPatch) -> None:
    prepare(monkeypatch, server, "8.8", Knobs(operation=OPERATION, faults=FAULT))


def test_failed_tests_are_exactly_the_violated_clauses(full_run: tuple[SuiteResult, dict[str, int]]) -> None:
    """Exit status, the table and the report agree: a test fails exactly when its clause is a violation."""
    result, _ = full_run
    violated = {clause for clause, verdict in result.verdicts.items() if verdict == "violation"}
    assert {"errors.no-leak", "generated.schemathesis", "generated.hostile-credentials"} <= violated
    of_test = {}
    for path in SUITE.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and (clause := _clause_of(node)):
                of_test[node.name] = clause
    failed = {of_test[n.split("::")[1].split("[")[0]] for n, o in outcomes(result).items() if o == "FAILED"}
    assert failed == violated
    table = result.text().split("rocketchat-contract verdicts", 1)[1]
    for clause in violated:
        assert re.search(rf"^{re.escape(clause)}\s+VIOLATION", table, re.M), clause


@pytest.mark.parametrize(
    "selection",
    [
        ["test_generated.py::test_schemathesis_answers_conform"],
        ["test_generated.py::test_hostile_credentials_are_refused"],
        ["-k", "leak or invalid"],
        ["test_get_import_progress.py::test_missing_credentials_are_refused[token-only]"],
    ],
    ids=["schemathesis-alone", "hostile-alone", "k-expression", "one-probe"],
)
def test_a_selection_ends_as_in_the_full_run(
    pytester: pytest.Pytester,
    faulty: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    full_run: tuple[SuiteResult, dict[str, int]],
    selection: list[str],
) -> None:
    expected, sent = full_run
    _again(faulty, monkeypatch)
    args = [str(SUITE), *selection] if selection[0] == "-k" else [str(SUITE / selection[0])]
    result = pytester.runpytest_inprocess(*args, "-p", "no:cacheprovider", "-rA", "--base-url", faulty.url)
    ran = outcomes(SuiteResult(result, None, []))
    assert ran, result.stdout.str()
    assert ran == {node: expected_outcome for node, expected_outcome in outcomes(expected).items() if node in ran}
    # The run sends the same requests whatever is selected: generated ones included.
    assert traffic(faulty) == sent


def test_reversed_order_ends_as_in_the_full_run(
    pytester: pytest.Pytester,
    faulty: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    full_run: tuple[SuiteResult, dict[str, int]],
) -> None:
    expected, _ = full_run
    _again(faulty, monkeypatch)
    pytester.makepyfile(
        reverse_order="""
        def pytest_collection_modifyitems(items):
            items.reverse()
        """
    )
    monkeypatch.syspath_prepend(str(pytester.path))
    result = run_suite(pytester, "-p", "reverse_order", "-v", base_url=faulty.url)
    assert outcomes(result) == outcomes(expected)
    assert result.verdicts == expected.verdicts
    ran = [line for line in result.outcome.outlines if "::test_" in line and not OUTCOME.match(line)]
    assert "test_endpoint_exists_from_3_0" in ran[0], ran[:2]


def test_xdist_gives_the_same_verdicts_one_report_and_the_same_traffic(
    pytester: pytest.Pytester,
    faulty: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    full_run: tuple[SuiteResult, dict[str, int]],
) -> None:
    expected, sent = full_run
    _again(faulty, monkeypatch)
    result = run_suite(pytester, "-n", "2", base_url=faulty.url)
    assert result.ret == 1, result.text()
    assert result.report is not None and len(result.report["clauses"]) == len(contract().clauses)
    assert result.verdicts == expected.verdicts
    assert result.report["summary"] == expected.report["summary"]  # type: ignore[index]
    assert result.text().count("rocketchat-contract verdicts") == 1
    assert outcomes(result) == outcomes(expected)
    assert traffic(faulty) == sent


@pytest.fixture
def under_chat(reference_server: ReferenceServer) -> Iterator[str]:
    """The reference server's app mounted under /chat, as behind a reverse proxy that serves a sub-path."""
    app = DispatcherMiddleware(Response("not under /chat", status=404), {"/chat": reference_server.app})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/chat"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
def test_a_base_url_with_a_path(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    under_chat: str,
    slash: str,
) -> None:
    prepare(monkeypatch, reference_server, "8.8")
    direct = run_suite(pytester, base_url=reference_server.url)
    prepare(monkeypatch, reference_server, "8.8")
    mounted = run_suite(pytester, base_url=under_chat + slash)
    assert mounted.ret == direct.ret == 0, mounted.text()
    assert mounted.verdicts == direct.verdicts
    # The app sees the path below /chat: a doubled prefix would arrive as /chat/...
    assert reference_server.requests
    assert not [r.path for r in reference_server.requests if r.path.startswith("/chat")]


def test_checks_registry_matches_the_data() -> None:
    meta = json.loads((schemas_dir() / "meta" / "clauses.schema.json").read_text())
    enum = set(meta["properties"]["clauses"]["items"]["properties"]["check"]["enum"])
    named = {clause.check for clause in contract().clauses if clause.check}
    assert set(REGISTRY) == enum == named


def _clause_of(node: ast.FunctionDef) -> str | None:
    for decorator in node.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "clause"
            and isinstance(decorator.args[0], ast.Constant)
        ):
            return str(decorator.args[0].value)
    return None


def test_every_contract_test_shows_its_clause_sentence_and_names_it_once() -> None:
    titles = {clause.id: clause.title for clause in contract().clauses}
    judged = []
    for path in SUITE.glob("test_*.py"):
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                clause = _clause_of(node)
                assert clause in titles, f"{node.name} has no clause marker"
                assert ast.get_docstring(node) == titles[clause], node.name
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                text = "\n".join(source.splitlines()[first - 1 : node.end_lineno])
                assert text.count(f'"{clause}"') == 1, node.name
                judged.append(clause)
    assert sorted(judged) == sorted(titles)


def test_the_short_summary_names_a_drift_entry_without_repeating_it(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, reference_server, "8.8")
    result = run_suite(pytester, "-ra", base_url=reference_server.url)
    assert result.ret == 0
    summary = result.text().split("short test summary info", 1)[1]
    entry = next(e for e in contract().drift if e.id == "compat-401-body")
    assert summary.count("XFAIL") == 13  # the 11 auth probes and the 2 generated clauses, whose 401s rest on it too
    assert entry.summary[:40] not in summary
    assert result.text().count(entry.summary[:40]) <= 2  # the verdict table's two drift rows


def test_the_pytest_configuration_leaves_the_short_summary_to_the_user() -> None:
    """No -r option (-ra, -rA, -rfE, "-r a", inside a longer string…) in the project's pytest addopts (pytest.toml,
    which the wheel ships beside the suite)."""
    config = tomllib.loads((Path(__file__).resolve().parents[2] / "pytest.toml").read_text())
    pytest_config = config["pytest"]
    tables = [pytest_config, pytest_config.get("ini_options", {})]
    addopts = [table["addopts"] for table in tables if "addopts" in table]
    assert addopts, "no addopts found: this test reads the wrong table"
    tokens = [token for value in addopts for item in _listed(value) for token in shlex.split(item)]
    assert "--strict-markers" in tokens
    assert [token for token in tokens if token.startswith("-r")] == []


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_xdist_reports_an_untestable_target_with_exit_status_4(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, reference_server, "8.8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_suite(pytester, "-n", "2", base_url=f"http://127.0.0.1:{port}")
    text = result.text()
    assert result.ret == 4, text
    assert "connection refused" in text
    assert "INTERNALERROR" not in text and "Traceback" not in text
