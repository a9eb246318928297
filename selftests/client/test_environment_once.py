"""What requests would read from the environment for every request (the proxy, NO_PROXY, netrc credentials) is read
once per run, for the base URL, and every request is sent with that; which proxy and CA bundle carry the run is
pinned by selftests/plugin/test_forward_proxy.py and the TLS tests of test_proxy_transport.py."""

from __future__ import annotations

import base64
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from rocketchat_contract.client.credentials import Credential
from rocketchat_contract.client.http import Client
from rocketchat_contract.client.proxy import VARIABLES
from rocketchat_contract.reference import ReferenceServer
from rocketchat_contract.run.contract_run import ContractRun, Settings

ENVIRONMENT_READERS = (
    (requests.utils, "get_environ_proxies"),
    (requests.utils, "should_bypass_proxies"),
    (requests.utils, "get_netrc_auth"),
    (requests.sessions, "get_environ_proxies"),
    (requests.sessions, "get_netrc_auth"),
)
"""requests' functions that read the environment (or the netrc file): each module's own binding is what it calls."""


@pytest.fixture
def environment_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Each time requests' own code reads the environment for a request: the function, and the URL it was for."""
    reads: list[tuple[str, str]] = []
    for module, name in ENVIRONMENT_READERS:
        real = getattr(module, name)

        def counted(url: str, *args: Any, _real: Callable[..., Any] = real, _name: str = name, **kwargs: Any) -> Any:
            reads.append((_name, url))
            return _real(url, *args, **kwargs)

        monkeypatch.setattr(module, name, counted)
    return reads


def test_a_run_reads_the_environment_once_not_per_request(
    reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, environment_reads: list[tuple[str, str]]
) -> None:
    """A whole run (set-up, probes, hostile credentials, schemathesis cases) with a proxy configured that NO_PROXY
    passes by, as a CI runner's environment often has: requests used to read the environment two or three times
    a request (about a third of the client threads' CPU). Only the reads for the target count: schemathesis
    fetches documents of its own with requests (a ``$ref`` it cannot resolve locally), once per process."""
    for name in (*VARIABLES, "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there: a request through it fails
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    admin = reference_server.accounts["admin"]
    privileged = Credential("privileged", username=admin.username, password=admin.password, source="test")
    record = ContractRun(Settings(base_url=reference_server.url, privileged=privileged)).execute()
    assert record.error is None, record.error
    sent = len(reference_server.requests)
    assert sent > 40, "the run sent its probes and generated requests"
    for_target = Counter(name for name, url in environment_reads if url.startswith(reference_server.url))
    assert sum(for_target.values()) <= 3, (for_target, sent)


@pytest.fixture
def echo_authorization() -> Iterator[str]:
    """A server on 127.0.0.1 that answers with the Authorization header it got (empty without one)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        answer = Response(Request(environ).headers.get("Authorization", ""), content_type="text/plain")
        return answer(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    server.server_close()


def test_netrc_credentials_of_the_host_are_still_sent(
    echo_authorization: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests sends a netrc file's credentials for the host (a front end's basic authentication); reading the
    environment once must keep that, on the client's own requests and on the schemathesis cases' sessions."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login front password door-Pa55\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    expected = "Basic " + base64.b64encode(b"front:door-Pa55").decode()
    client = Client(echo_authorization)
    try:
        assert client.send("GET", "/api/info").body_text == expected
        assert client.pooled_session().get(client.url("/api/info"), timeout=5).text == expected
    finally:
        client.close()
    monkeypatch.delenv("NETRC")
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc
    without = Client(echo_authorization)
    try:
        assert without.send("GET", "/api/info").body_text == ""
    finally:
        without.close()
