"""The client on real sockets: transient failures retried within bounds, TLS failures named, bundles resolved."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.client import RemoteDisconnected
from pathlib import Path

import pytest
import requests
import trustme
from nginx_front import RestartingUpstream, start_restarting
from urllib3.exceptions import MaxRetryError, ProtocolError
from werkzeug.serving import make_server

from rocketchat_contract.client.http import (
    RETRIES,
    TRANSIENT_STATUSES,
    Client,
    describe_transport_error,
    transient_retry,
)
from rocketchat_contract.client.probes import ENDPOINT
from rocketchat_contract.client.redact import MASK, Redactor, display_url, url_secrets
from rocketchat_contract.client.tls import DEFAULT_SOURCE, CABundleError, resolve_ca_bundle
from rocketchat_contract.reference import Knobs, ReferenceServer

ENVIRONMENT_BUNDLES = ("RC_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


@pytest.fixture
def restarting(reference_server: ReferenceServer) -> Iterator[RestartingUpstream]:
    """The reference server on a second port whose gate drops requests (no proxy: the client sees a reset)."""
    reference_server.reset(profile="6.13", knobs=Knobs(rate_limit_calls=0))  # limiter before permission
    upstream = start_restarting(reference_server)
    yield upstream
    upstream.server.shutdown()
    upstream.server.server_close()


def _requests_to(server: ReferenceServer, path: str) -> int:
    return sum(1 for r in server.requests if r.path == path)


# -- the retry policy --------------------------------------------------------------------------------------


def test_retry_policy_retries_only_transient_gateway_answers_for_get() -> None:
    policy = transient_retry(10.0)
    assert set(policy.status_forcelist or ()) == TRANSIENT_STATUSES == {502, 503, 504}
    assert policy.allowed_methods == frozenset({"GET"})
    assert not policy.respect_retry_after_header, "a 429 with Retry-After must not be retried"
    assert not policy.is_retry("GET", 429, has_retry_after=True)
    assert not policy.is_retry("POST", 502)
    assert policy.connect == 0 and policy.other == 0 and not policy.redirect


@pytest.mark.parametrize("timeout", [0.5, 2.0, 10.0, 60.0])
def test_backoff_stays_within_the_request_timeout(timeout: float) -> None:
    policy = transient_retry(timeout)
    waits = []
    for _ in range(RETRIES):
        policy = policy.increment("GET", "/", error=None, response=None)
        waits.append(policy.get_backoff_time())
    assert sum(waits) <= timeout
    assert waits == sorted(waits) and waits[-1] > 0


def test_a_dropped_connection_is_retried(restarting: RestartingUpstream, reference_server: ReferenceServer) -> None:
    restarting.gate.drop(2, start=f"GET {ENDPOINT}")
    client = Client(restarting.url, timeout=2.0)
    exchange = client.send("GET", ENDPOINT)
    assert exchange.error is None and exchange.status == 401, exchange.error
    assert exchange.attempts == 3 and restarting.gate.dropped == 2


def test_a_connection_dropped_for_good_ends_with_a_clear_error(restarting: RestartingUpstream) -> None:
    restarting.gate.drop(100)
    exchange = Client(restarting.url, timeout=2.0).send("GET", "/api/info")
    assert exchange.error is not None and "closed or reset without an answer" in exchange.error
    assert restarting.gate.dropped == RETRIES + 1


def test_post_is_never_replayed(restarting: RestartingUpstream) -> None:
    restarting.gate.drop(1)
    exchange = Client(restarting.url, timeout=2.0).send("POST", "/api/v1/login", json_body={"user": "x"})
    assert exchange.error is not None
    assert restarting.gate.dropped == 1


def test_the_under_privileged_budget_caps_retries(restarting: RestartingUpstream) -> None:
    restarting.gate.drop(100)
    exchange = Client(restarting.url, timeout=2.0).send("GET", ENDPOINT, retries=1)
    assert exchange.error is not None
    assert restarting.gate.dropped == 2


def test_a_rate_limited_answer_is_never_retried(reference_server: ReferenceServer) -> None:
    reference_server.reset(profile="6.13", knobs=Knobs(rate_limit_calls=0))  # limiter before permission
    user = reference_server.accounts["user"]
    client = Client(reference_server.url, timeout=2.0)
    exchange = client.send("GET", ENDPOINT, headers={"X-User-Id": user.user_id, "X-Auth-Token": user.token})
    assert exchange.status == 429 and exchange.attempts == 1
    assert _requests_to(reference_server, ENDPOINT) == 1
    assert exchange.rate_limit_reset_in() is not None


def test_a_timeout_is_not_retried() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        started = time.monotonic()
        exchange = Client(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.5).send("GET", "/api/info")
    assert exchange.error is not None and "timed out after 0.5 s" in exchange.error
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("base", ["http://h.example/chat", "http://h.example/chat/", "http://h.example/chat//"])
def test_the_base_path_is_used_exactly_once(base: str) -> None:
    client = Client(base)
    assert client.url("/api/info") == "http://h.example/chat/api/info"
    assert client.url("api/v1/getImportProgress?x=1") == "http://h.example/chat/api/v1/getImportProgress?x=1"


def test_the_exchange_records_the_path_on_the_wire(reference_server: ReferenceServer) -> None:
    exchange = Client(reference_server.url + "/").send("GET", "/api/info")
    assert exchange.path == "/api/info" and exchange.url == reference_server.url + "/api/info"


# -- userinfo in the base URL ------------------------------------------------------------------------------


def test_display_url_masks_the_password_only() -> None:
    assert display_url("https://ops:s3cr%40t@chat.example:8443/chat") == f"https://ops:{MASK}@chat.example:8443/chat"
    assert display_url("https://chat.example/chat") == "https://chat.example/chat"
    assert display_url("https://ops@chat.example") == "https://ops@chat.example"


def test_url_secrets_cover_every_form_of_the_password() -> None:
    secrets = url_secrets("https://ops:s3cr%40t@chat.example/chat")
    assert {"s3cr%40t", "s3cr@t"} <= set(secrets)
    redactor = Redactor()
    redactor.add(*secrets)
    assert "s3cr" not in redactor.text("Authorization: Basic b3BzOnMzY3JAdA== at https://ops:s3cr%40t@chat.example")


# -- TLS ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def no_bundle_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Machines (this one too) often export REQUESTS_CA_BUNDLE and friends; these tests choose their own."""
    for name in ENVIRONMENT_BUNDLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[Callable[[trustme.LeafCert | trustme.CA], str]]:
    servers = []

    def serve(cert: trustme.LeafCert | trustme.CA) -> str:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        if isinstance(cert, trustme.CA):  # the CA's own certificate: a self-signed server
            cert.cert_pem.write_to_path(str(tmp_path / "self.pem"))
            cert.private_key_pem.write_to_path(str(tmp_path / "self.key"))
            context.load_cert_chain(str(tmp_path / "self.pem"), str(tmp_path / "self.key"))
        else:
            cert.configure_cert(context)

        def app(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"version": "8.8"}']

        server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=context)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"https://127.0.0.1:{server.port}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def _bundle(ca: trustme.CA, path: Path) -> str:
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def _error(url: str, verify: bool | str, source: str = "--ca-bundle") -> str:
    exchange = Client(url, timeout=5.0, verify=verify, verify_source=source).send("GET", "/api/info")
    assert exchange.error is not None
    assert "_ssl.c" not in exchange.error
    return exchange.error


def test_unknown_ca_without_a_bundle(tls_server: Callable[..., str], ca: trustme.CA, no_bundle_variables: None) -> None:
    error = _error(tls_server(ca.issue_cert("127.0.0.1")), True)
    assert "signed by a CA this run does not trust (unable to get local issuer certificate)" in error
    assert "pass --ca-bundle PATH" in error


def test_unknown_ca_with_a_bundle_does_not_ask_for_one(
    tls_server: Callable[..., str], ca: trustme.CA, tmp_path: Path, no_bundle_variables: None
) -> None:
    other = _bundle(trustme.CA(), tmp_path / "other.pem")
    error = _error(tls_server(ca.issue_cert("127.0.0.1")), other)
    assert f"the CA bundle {other} does not hold" in error
    assert "pass --ca-bundle" not in error


@pytest.mark.parametrize(
    ("source", "remedy"),
    [
        ("REQUESTS_CA_BUNDLE", "(from REQUESTS_CA_BUNDLE) does not hold it; pass --ca-bundle PATH"),
        ("--ca-bundle", "does not hold the certificate of the CA that signed it; add it to that file"),
    ],
)
def test_the_remedy_names_the_setting_that_chose_the_bundle(
    source: str,
    remedy: str,
    tls_server: Callable[..., str],
    ca: trustme.CA,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """REQUESTS_CA_BUNDLE names the same file either way: the run knows which setting chose it, and the
    message never guesses that from the environment."""
    other = _bundle(trustme.CA(), tmp_path / "other.pem")
    monkeypatch.delenv("RC_CA_BUNDLE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other)
    error = _error(tls_server(ca.issue_cert("127.0.0.1")), other, source)
    assert f"the CA bundle {other} {remedy}" in error


def test_self_signed(tls_server: Callable[..., str], no_bundle_variables: None) -> None:
    error = _error(tls_server(trustme.CA()), True)
    assert "self-signed" in error and "--ca-bundle" in error


def test_expired(tls_server: Callable[..., str], ca: trustme.CA, tmp_path: Path) -> None:
    start, end = (datetime.datetime(year, 1, 1, tzinfo=datetime.UTC) for year in (2020, 2021))
    cert = ca.issue_cert("127.0.0.1", not_before=start, not_after=end)
    error = _error(tls_server(cert), _bundle(ca, tmp_path / "ca.pem"))
    assert "certificate has expired" in error and "renew it" in error
    assert "--ca-bundle" not in error


def test_hostname_mismatch(tls_server: Callable[..., str], ca: trustme.CA, tmp_path: Path) -> None:
    url = tls_server(ca.issue_cert("127.0.0.1")).replace("127.0.0.1", "localhost")
    error = _error(url, _bundle(ca, tmp_path / "ca.pem"))
    assert "does not name this host" in error and "'localhost'" in error


# -- which bundle ------------------------------------------------------------------------------------------


def test_bundle_order(ca: trustme.CA, tmp_path: Path) -> None:
    paths = {name: _bundle(ca, tmp_path / f"{name}.pem") for name in ("option", "ini", *ENVIRONMENT_BUNDLES)}
    env = {name: paths[name] for name in ENVIRONMENT_BUNDLES}
    assert resolve_ca_bundle(paths["option"], env, paths["ini"]) == (paths["option"], "--ca-bundle")
    assert resolve_ca_bundle(None, env, paths["ini"]) == (paths["RC_CA_BUNDLE"], "RC_CA_BUNDLE")
    del env["RC_CA_BUNDLE"]
    assert resolve_ca_bundle(None, env, paths["ini"]) == (paths["ini"], "ini rc_ca_bundle")
    assert resolve_ca_bundle(None, env) == (paths["REQUESTS_CA_BUNDLE"], "REQUESTS_CA_BUNDLE")
    del env["REQUESTS_CA_BUNDLE"]
    assert resolve_ca_bundle(None, env) == (paths["CURL_CA_BUNDLE"], "CURL_CA_BUNDLE")
    del env["CURL_CA_BUNDLE"]
    assert resolve_ca_bundle(None, env) == (paths["SSL_CERT_FILE"], "SSL_CERT_FILE")
    assert resolve_ca_bundle(None, {}) == (True, DEFAULT_SOURCE)


def test_a_bundle_without_certificates_is_refused_up_front(tmp_path: Path) -> None:
    bad = tmp_path / "bundle.der"
    bad.write_bytes(b"\x30\x82\x01\x0a not a PEM file")
    with pytest.raises(CABundleError, match="this file holds no certificates"):
        resolve_ca_bundle(str(bad), {})
    with pytest.raises(CABundleError, match=r"^REQUESTS_CA_BUNDLE .*holds no certificates"):
        resolve_ca_bundle(None, {"REQUESTS_CA_BUNDLE": str(bad)})
    with pytest.raises(CABundleError, match="no such file"):
        resolve_ca_bundle(str(tmp_path / "missing.pem"), {})


def test_a_folder_is_a_bundle_only_where_other_tools_named_it(tmp_path: Path) -> None:
    """A hashed folder is fine in REQUESTS_CA_BUNDLE (requests takes it); the suite's own settings name a file."""
    assert resolve_ca_bundle(None, {"REQUESTS_CA_BUNDLE": str(tmp_path)}) == (str(tmp_path), "REQUESTS_CA_BUNDLE")
    with pytest.raises(CABundleError, match=r"^--ca-bundle .*: is a folder"):
        resolve_ca_bundle(str(tmp_path), {})
    with pytest.raises(CABundleError, match=r"^RC_CA_BUNDLE .*: is a folder"):
        resolve_ca_bundle(None, {"RC_CA_BUNDLE": str(tmp_path)})


def _wrapped(cause: BaseException, *, retried: bool = True) -> requests.exceptions.ConnectionError:
    """``cause`` as requests raises it: inside urllib3's MaxRetryError (once retries ran out) and requests' error."""
    if not retried:
        return requests.exceptions.ConnectionError(cause)
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/api/info", reason=cause))  # type: ignore[arg-type]


def test_a_reset_connection_names_the_tries_of_its_own_session() -> None:
    """The under-privileged probe's session retries once (a rate limit counts every try): 2 tries, not 5."""
    reset = _wrapped(ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer")))
    assert "tried 2 times" in describe_transport_error(reset, retries=1)
    assert f"tried {RETRIES + 1} times" in describe_transport_error(reset)
    assert "tried once" in describe_transport_error(_wrapped(RemoteDisconnected("closed"), retried=False))


@pytest.mark.parametrize(
    ("cause", "said"),
    [
        (ConnectionRefusedError(111, "Verbindungsaufbau abgelehnt"), "connection refused"),
        (socket.gaierror(-2, "Nom ou service inconnu"), "DNS lookup failed"),
        (ConnectionResetError(54, "Connexion réinitialisée"), "closed or reset without an answer"),
        (OSError(113, "Keine Route zum Zielrechner"), "connection failed (Keine Route zum Zielrechner)"),
    ],
    ids=["refused", "dns", "reset", "other"],
)
def test_transport_errors_are_told_apart_by_their_type_not_their_words(cause: OSError, said: str) -> None:
    """A system in another language, or another platform's errno, words the error differently: the exception's
    type decides (issue 27), and an unknown failure keeps the system's own words."""
    assert said in describe_transport_error(_wrapped(cause))
