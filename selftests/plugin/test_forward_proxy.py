"""HTTP_PROXY/HTTPS_PROXY in the environment: requests sends the run through that proxy, and the header line says
so (its password masked), or says that NO_PROXY lets the run pass it by. A forwarding proxy on 127.0.0.1 proves it
carried the run, with the credentials of its URL, which no output shows."""

from __future__ import annotations

import base64
import http.client
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from suite_runner import prepare, run_suite

from rocketchat_contract.client.proxy import VARIABLES
from rocketchat_contract.reference import Knobs, Operation, ReferenceServer

USER, PASSWORD = "proxy-user", "Pr0xy-s3cret-pw"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "upgrade"})


@dataclass
class Forwarded:
    """What the proxy forwarded: each request's method and URL, and the Proxy-Authorization it came with."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    authorizations: set[str | None] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(seen: Forwarded) -> type[BaseHTTPRequestHandler]:
    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return None

        def forward(self) -> None:
            target = urlsplit(self.path)
            with seen.lock:
                seen.requests.append((self.command, self.path))
                seen.authorizations.add(self.headers.get("Proxy-Authorization"))
            if target.hostname != "127.0.0.1":  # only the reference server on this machine is ever reached
                self.send_error(403)
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
            try:
                path = target.path + (f"?{target.query}" if target.query else "")
                upstream.request(self.command, path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
            finally:
                upstream.close()
            self.send_response(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP | {"content-length", "transfer-encoding"}:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = forward

    return Forward


@pytest.fixture
def forward_proxy() -> Iterator[tuple[int, Forwarded]]:
    """A plain forwarding HTTP proxy on 127.0.0.1 (absolute-URI requests), recording what it forwarded."""
    seen = Forwarded()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(seen))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port, seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("bypassed", [False, True], ids=["through-the-proxy", "no-proxy-names-the-host"])
def test_the_header_names_the_proxy_carrying_the_run_and_never_its_password(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    forward_proxy: tuple[int, Forwarded],
    bypassed: bool,
) -> None:
    port, seen = forward_proxy
    server = prepare(monkeypatch, reference_server, "8.8", Knobs(operation=Operation.parse("csv:importer_done:3/3")))
    for name in (*VARIABLES, "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://{USER}:{PASSWORD}@127.0.0.1:{port}")
    if bypassed:
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    result = run_suite(pytester, "--provision-user", base_url=server.url, extra_files=True)
    text = result.text()
    assert result.ret == 0, text
    shown = f"http://{USER}:[redacted]@127.0.0.1:{port}"
    route = f"not through proxy {shown}: NO_PROXY names the host" if bypassed else f"through proxy {shown} (HTTP_PROXY)"
    assert f"rocketchat-contract: target {server.url}; {route}" in text.splitlines(), text
    outputs = {"terminal": text, **{path.name: path.read_text(encoding="utf-8") for path in result.files}}
    for name, output in outputs.items():
        assert PASSWORD not in output and BASIC.split()[1] not in output, f"the proxy's password appears in {name}"
    answered = server.requests
    if bypassed:
        assert seen.requests == []
    else:
        # Every request the server answered came through the proxy, with the credentials of the proxy's URL.
        assert len(seen.requests) == len(answered) > 20
        assert {path for _, path in seen.requests} == {server.url + r.path for r in answered}
        assert seen.authorizations == {BASIC}
