"""Real deployments, run as a user would: redirects, restarts, TLS, userinfo and rate-limited clean-up.

Each test is one row of issue 13's table; the fronts are the nginx of nginx_front.py where the row is
about a proxy, the reference server directly otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from nginx_front import *  # noqa: F403
from nginx_front import PROXY_PASSWORD, PROXY_USER, NginxFront, RestartingUpstream, start_restarting
from suite_runner import OPERATION, SuiteResult, prepare, run_suite
from test_suite_verdicts import EXPECTED

from rocketchat_contract.client.probes import ENDPOINT
from rocketchat_contract.client.redact import MASK
from rocketchat_contract.client.tls import BUNDLE_VARIABLES
from rocketchat_contract.reference import Knobs, ReferenceServer


@pytest.fixture
def server(reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch) -> ReferenceServer:
    return prepare(monkeypatch, reference_server)


@pytest.fixture
def no_bundle_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Machines (this one too) often export REQUESTS_CA_BUNDLE and friends; these tests choose their own."""
    for name in BUNDLE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def exits_4(result: SuiteResult, *needles: str) -> str:
    text = result.text()
    assert result.ret == 4, text
    assert "Traceback" not in text and "_ssl.c" not in text, text
    for needle in needles:
        assert needle in text, text
    return text


# -- redirects and restarts --------------------------------------------------------------------------------


def test_a_redirect_names_its_target_and_suggests_it(
    pytester: pytest.Pytester, server: ReferenceServer, nginx: NginxFront
) -> None:
    result = run_suite(pytester, base_url=nginx.redirecting)
    tls = nginx.url(tls=True)
    exits_4(result, f"was redirected (301) to {tls}/api/info", f"--base-url {tls}")
    assert not any(r.path == "/api/info" for r in server.requests), "the redirect was followed"


def test_a_restarting_server_at_start_is_unavailable_not_foreign(
    pytester: pytest.Pytester, server: ReferenceServer, nginx: NginxFront
) -> None:
    result = run_suite(pytester, "--request-timeout", "1", base_url=nginx.url("maintenance"))
    text = exits_4(result, "server unavailable", f"GET {nginx.url('maintenance')}/api/info answered 503 text/html")
    assert "5 tries" in text and "does not look like a Rocket.Chat server" not in text


def test_an_upstream_that_stays_down_is_unavailable(
    pytester: pytest.Pytester, server: ReferenceServer, nginx: NginxFront
) -> None:
    nginx.restarting.gate.drop(1000, start=f"GET {ENDPOINT}")
    result = run_suite(pytester, "--request-timeout", "1", base_url=nginx.url("flaky"))
    exits_4(result, "server unavailable", f"{nginx.url('flaky')}{ENDPOINT} answered 502 text/html")


@pytest.fixture
def restarting(server: ReferenceServer) -> Iterator[RestartingUpstream]:
    upstream = start_restarting(server)
    yield upstream
    upstream.server.shutdown()
    upstream.server.server_close()


def test_one_dropped_connection_is_retried(
    pytester: pytest.Pytester, server: ReferenceServer, restarting: RestartingUpstream
) -> None:
    restarting.gate.drop(1, start=f"GET {ENDPOINT}")
    result = run_suite(pytester, base_url=restarting.url)
    assert result.ret == 0, result.text()
    assert result.verdicts == EXPECTED["8.8"]
    assert restarting.gate.dropped == 1


# -- TLS ---------------------------------------------------------------------------------------------------


def test_a_private_ca_without_a_bundle_gets_the_reason(
    pytester: pytest.Pytester, server: ReferenceServer, nginx: NginxFront, no_bundle_variables: None
) -> None:
    result = run_suite(pytester, base_url=nginx.url(tls=True))
    exits_4(result, "signed by a CA this run does not trust (unable to get local issuer certificate)", "--ca-bundle")


def test_a_bundle_without_the_ca_is_blamed_not_asked_for(
    pytester: pytest.Pytester, server: ReferenceServer, nginx: NginxFront, tmp_path: Path, no_bundle_variables: None
) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    result = run_suite(pytester, "--ca-bundle", str(other), base_url=nginx.url(tls=True))
    text = exits_4(result, f"the CA bundle {other} does not hold")
    assert "pass --ca-bundle" not in text


def test_a_bundle_that_is_not_pem_says_so(
    pytester: pytest.Pytester, server: ReferenceServer, nginx: NginxFront, tmp_path: Path
) -> None:
    der = tmp_path / "ca.der"
    der.write_bytes(b"\x30\x82\x03\x0b\x30\x82\x01\xf3\xa0\x03\x02\x01\x02")
    result = run_suite(pytester, "--ca-bundle", str(der), base_url=nginx.url(tls=True))
    exits_4(result, f"--ca-bundle {der}: this file holds no certificates")


def test_a_host_name_the_certificate_does_not_name(
    pytester: pytest.Pytester, server: ReferenceServer, nginx: NginxFront
) -> None:
    url = nginx.url(tls=True).replace("127.0.0.1", "localhost")
    result = run_suite(pytester, "--ca-bundle", str(nginx.ca_bundle), base_url=url)
    exits_4(result, "the certificate does not name this host", "'localhost'")


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
def test_the_bundle_variables_requests_users_set_are_honoured(
    pytester: pytest.Pytester,
    server: ReferenceServer,
    nginx: NginxFront,
    monkeypatch: pytest.MonkeyPatch,
    no_bundle_variables: None,
    variable: str,
) -> None:
    monkeypatch.setenv(variable, str(nginx.ca_bundle))
    result = run_suite(pytester, base_url=nginx.url("chat", tls=True))
    assert result.ret == 0, result.text()
    assert result.verdicts == EXPECTED["8.8"]
    result.outcome.stdout.fnmatch_lines([f"*CA bundle {nginx.ca_bundle} ({variable})*"])


# -- a password in the base URL ----------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [None, "error-as-text"], ids=["correct", "faulty"])
def test_a_password_in_the_base_url_is_never_shown(
    pytester: pytest.Pytester,
    server: ReferenceServer,
    nginx: NginxFront,
    monkeypatch: pytest.MonkeyPatch,
    fault: str | None,
) -> None:
    prepare(monkeypatch, server, "8.8", Knobs(operation=OPERATION, faults=frozenset({fault} if fault else ())))
    origin = nginx.url(tls=True).replace("https://", f"https://{PROXY_USER}:{PROXY_PASSWORD}@")
    result = run_suite(
        pytester, "-v", "-l", "--ca-bundle", str(nginx.ca_bundle), base_url=f"{origin}/private", extra_files=True
    )
    assert result.ret == (1 if fault else 0), result.text()
    outputs = {"terminal": result.text(), **{p.name: p.read_text() for p in result.files}}
    for name, text in outputs.items():
        assert PROXY_PASSWORD not in text, f"the front end's password appears in {name}"
    shown = f"{PROXY_USER}:{MASK}@127.0.0.1"
    assert shown in outputs["terminal"] and shown in outputs["report.json"] and shown in outputs["pytest-html.html"]


def test_without_the_password_the_front_end_refuses(
    pytester: pytest.Pytester, server: ReferenceServer, nginx: NginxFront
) -> None:
    result = run_suite(pytester, base_url=nginx.url("private"))
    text = exits_4(
        result,
        "a front end asks for HTTP Basic authentication (GET /private/api/info answered 401 with WWW-Authenticate: "
        'Basic realm="chat")',
        f"--base-url http://USER:PASSWORD@127.0.0.1:{nginx.http_port}/private",
    )
    assert "does not look like a Rocket.Chat server" not in text


def test_a_wrong_front_end_password_is_named_and_not_shown(
    pytester: pytest.Pytester, server: ReferenceServer, nginx: NginxFront
) -> None:
    wrong = "not-the-proxy-pass-7d1e"
    origin = nginx.url().replace("http://", f"http://{PROXY_USER}:{wrong}@")
    result = run_suite(pytester, base_url=f"{origin}/private")
    text = exits_4(result, "a front end refused the user name and password in the base URL")
    assert wrong not in text


def test_http_to_the_tls_port_suggests_https(
    pytester: pytest.Pytester, server: ReferenceServer, nginx: NginxFront
) -> None:
    plain = f"http://127.0.0.1:{nginx.https_port}/chat"
    result = run_suite(pytester, base_url=plain)
    exits_4(result, f"that port speaks TLS: pass --base-url https://127.0.0.1:{nginx.https_port}/chat")


# -- clean-up under the rate limiter -----------------------------------------------------------------------


def test_several_runs_in_a_row_wait_for_the_rate_limit_to_log_out(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Logging out counts against the limiter (per client and route); a 429 at clean-up must not leave a session."""
    prepare(monkeypatch, server, "8.8", Knobs(operation=OPERATION, rate_limit_calls=1, rate_limit_window=5.0))
    user = server.accounts["user"]
    for run in range(2):
        result = run_suite(pytester, "-m", "not generated", base_url=server.url)
        text = result.text()
        assert result.ret == 0, text
        assert "cleanup problem" not in text, text
        probes = {p["probe"]: p["verdict"] for c in result.report["clauses"] for p in c["probes"]}
        assert probes["logged-out-token"] != "not-verified", (run, text)
        tokens = server.app.state.users[user.user_id].tokens
        assert tokens == [user.token], f"run {run} left a session of its own valid"
    assert any("/api/v1/logout was rate limited (429); waited" in note for note in result.report["notes"]), text
