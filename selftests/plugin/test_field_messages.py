"""Messages from issue 20's field run: each says what really happened, in one line, with JSON written as JSON.

An empty base URL in a configuration file, the --fuzz-examples bound in --help, an interrupted run that claims
only what it undid, an empty or malformed --extra-drift file, a wrong scheme for the port, and a body whose
step is missing or that is not JSON at all.
"""

from __future__ import annotations

import re
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from suite_runner import OPERATION, SUITE, prepare, run_suite
from test_bad_input import assert_one_line_exit
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from rocketchat_contract.contract.catalogue import ExtraDriftError, load_extra_drift
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.plugin.flags import MAX_FUZZ_EXAMPLES
from rocketchat_contract.reference import Knobs, ReferenceServer
from rocketchat_contract.reference.fixtures import *  # noqa: F403


@pytest.fixture
def server(reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch) -> ReferenceServer:
    return prepare(monkeypatch, reference_server)


# -- item 4: an empty base URL in the configuration file ---------------------------------------------------


@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
def test_an_empty_base_url_in_the_ini_file_is_a_usage_error(pytester: pytest.Pytester, value: str) -> None:
    ini = pytester.makeini(f"[pytest]\nbase_url ={value}\n")
    result = pytester.runpytest_inprocess(str(SUITE), "-p", "no:cacheprovider", "-q", "-c", str(ini))
    text = result.stdout.str() + result.stderr.str()
    assert_one_line_exit(text, int(result.ret), "ini base_url is empty", set())
    assert "the target is the embedded" not in text


def test_a_base_url_on_the_command_line_wins_over_an_empty_ini_value(
    pytester: pytest.Pytester, server: ReferenceServer
) -> None:
    ini = pytester.makeini("[pytest]\nbase_url =\n")
    result = pytester.runpytest_inprocess(
        str(SUITE), "-p", "no:cacheprovider", "-q", "-c", str(ini), "--base-url", server.url, "-m", "not generated"
    )
    assert result.ret == 0, result.stdout.str() + result.stderr.str()


# -- item 7: --fuzz-examples has a documented bound; an interrupt says only what was undone -----------------


def test_the_fuzz_examples_bound_is_in_the_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--help", "-p", "no:cacheprovider")
    help_text = " ".join(result.stdout.str().split())
    assert re.search(rf"--fuzz-examples=N .*at most {MAX_FUZZ_EXAMPLES}\)", help_text), help_text


def test_the_bound_itself_is_accepted(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        str(SUITE), "-p", "no:cacheprovider", "-q", "--fuzz-examples", str(MAX_FUZZ_EXAMPLES), "--collect-only"
    )
    assert result.ret == 0, result.stdout.str() + result.stderr.str()


SWALLOWING_PLUGIN = """
import os, signal

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    try:
        os.kill(os.getpid(), signal.SIGTERM)
    except BaseException:
        pass
"""


def test_an_interrupt_before_any_traffic_claims_no_clean_up(pytester: pytest.Pytester, server: ReferenceServer) -> None:
    pytester.makepyfile(swallowing=SWALLOWING_PLUGIN)
    pytester.syspathinsert()
    result = run_suite(pytester, "-p", "swallowing", "--provision-user", base_url=server.url)
    text = result.text()
    assert result.ret == 2, text
    assert "interrupted; the suite had sent nothing yet" in text, text
    assert "deleted" not in text and "logged out" not in text, text


def test_the_clean_up_summary_names_what_was_undone(server: ReferenceServer) -> None:
    from rocketchat_contract.client.credentials import Credential
    from rocketchat_contract.run.contract_run import ContractRun, Settings

    admin = server.accounts["admin"]
    privileged = Credential("privileged", username=admin.username, password=admin.password, source="test")
    run = ContractRun(Settings(base_url=server.url, privileged=privileged, provision_user=True))
    run.execute()
    summary = run.clean_up_summary()
    assert re.fullmatch(
        r"logged out the 2 sessions it had opened and deleted the user rc-contract-[0-9a-f]+ it had provisioned",
        summary,
    ), summary

    without = ContractRun(Settings(base_url=server.url))
    without.execute()
    assert without.clean_up_summary() == "had opened no session and created no user"


# -- item 9: --extra-drift files and schema messages -------------------------------------------------------


@pytest.mark.parametrize("text", ["", "# nothing yet\n"], ids=["empty", "comments-only"])
def test_an_empty_extra_drift_file_says_it_is_empty(tmp_path: Path, text: str) -> None:
    path = tmp_path / "drift.yaml"
    path.write_text(text)
    with pytest.raises(ExtraDriftError) as raised:
        load_extra_drift([path])
    assert str(raised.value).startswith(f"--extra-drift {path}: the file is empty"), raised.value


@pytest.mark.parametrize(
    "text",
    ["[]\n", "just words\n", "entries: null\n", "entries: 5\n", "entries: [{}]\n", "other: 1\n", "entries: [1]\n"],
)
def test_no_extra_drift_message_has_a_doubled_colon_or_python_values(tmp_path: Path, text: str) -> None:
    path = tmp_path / "drift.yaml"
    path.write_text(text)
    with pytest.raises(ExtraDriftError) as raised:
        load_extra_drift([path])
    message = str(raised.value).removeprefix(f"--extra-drift {path}")
    assert message.startswith(": ") and "::" not in message, raised.value
    assert not re.search(r"\bNone\b|\bTrue\b|\bFalse\b", message), raised.value


def test_schema_mismatches_show_json_values() -> None:
    body = {"key": "csv", "name": None, "step": "importer_done", "count": {"completed": True, "total": 1}}
    problem = store().problem("documented/progress.schema.json", {**body, "success": True})
    assert problem is not None and "null is not of type" in problem and "None" not in problem, problem
    problem = store().problem("documented/progress.schema.json", {**body, "name": "CSV", "success": True})
    assert problem is not None and "true is not of type" in problem and "True" not in problem, problem


# -- item 9: the missing step and the non-JSON 200, as the verdicts say them --------------------------------


def _details(report: dict[str, object]) -> dict[str, str]:
    clauses = report["clauses"]
    assert isinstance(clauses, list)
    return {clause["id"]: clause["detail"] for clause in clauses}


def test_a_missing_step_is_named_as_missing(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, "8.8", Knobs(operation=OPERATION, faults=frozenset({"success-missing-step"})))
    result = run_suite(pytester, "-m", "not generated", base_url=server.url)
    assert result.report is not None, result.text()
    detail = _details(result.report)["success.step"]
    assert detail.startswith("the 200 body has no step field"), detail
    assert "null" not in detail and "None" not in detail, detail


def test_a_200_that_is_not_json_is_named_with_its_content_type(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, "8.8", Knobs(operation=OPERATION, faults=frozenset({"success-not-json"})))
    result = run_suite(pytester, "-m", "not generated", base_url=server.url)
    assert result.report is not None, result.text()
    assert result.verdicts["endpoint.exists"] == "violation"
    detail = _details(result.report)["endpoint.exists"]
    assert detail.startswith("GET answered a 200 that is not JSON (text/html)"), detail
    assert "the endpoint is missing" not in detail, detail


# -- item 9: the other scheme --------------------------------------------------------------------------------


@pytest.fixture
def tls_server() -> Iterator[int]:
    """A small TLS server on 127.0.0.1 (any answer will do: the test sends it plain HTTP)."""
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    app = Response('{"version": "8.8.0"}', content_type="application/json")
    httpd = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=context)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.port
    httpd.shutdown()
    httpd.server_close()


def test_https_to_a_plain_http_port_suggests_http(pytester: pytest.Pytester, server: ReferenceServer) -> None:
    https = server.url.replace("http://", "https://")
    result = pytester.runpytest_inprocess(str(SUITE), "-p", "no:cacheprovider", "-q", "--base-url", https)
    text = result.stdout.str() + result.stderr.str()
    assert_one_line_exit(text, int(result.ret), "does not speak TLS on that port", server.secrets())
    assert f"pass --base-url {server.url}" in text, text


def test_http_to_a_tls_port_suggests_https(pytester: pytest.Pytester, tls_server: int) -> None:
    url = f"http://127.0.0.1:{tls_server}"
    result = pytester.runpytest_inprocess(
        str(SUITE), "-p", "no:cacheprovider", "-q", "--base-url", url, "--request-timeout", "3"
    )
    text = result.stdout.str() + result.stderr.str()
    assert_one_line_exit(
        text, int(result.ret), f"that port speaks TLS: pass --base-url https://127.0.0.1:{tls_server}", set()
    )
