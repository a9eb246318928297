"""Every request is bounded: no body is read past the cap, and no request outlasts its deadline, whatever the
server sends and however slowly (the reference server's hostile answers and a slow gateway of the test's own)."""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from rocketchat_contract.client.defaults import DEFAULT_MAX_BODY
from rocketchat_contract.client.fuzz.cases import credentials_for, draw_cases, send_case
from rocketchat_contract.client.fuzz.config import Fuzz
from rocketchat_contract.client.http import NOT_JSON, Client, Exchange
from rocketchat_contract.client.probes import ENDPOINT
from rocketchat_contract.reference import Knobs, Operation, ReferenceServer

OPERATION = Operation.parse("csv:importer_done:10/10")
OVERSIZED = Knobs(operation=OPERATION, faults=frozenset({"hostile-oversized-body"}))
DEADLINE = 1.5


def _admin_headers(server: ReferenceServer) -> dict[str, str | bytes]:
    admin = server.accounts["admin"]
    return {"X-User-Id": admin.user_id, "X-Auth-Token": admin.token}


def _progress(client: Client, server: ReferenceServer) -> Exchange:
    return client.send("GET", ENDPOINT, probe="privileged", headers=_admin_headers(server))


# -- the cap -----------------------------------------------------------------------------------------------


def test_a_body_past_the_cap_is_cut_there_and_the_client_goes_on(reference_server: ReferenceServer) -> None:
    reference_server.reset(knobs=OVERSIZED)
    client = Client(reference_server.url)
    cut = _progress(client, reference_server)
    assert cut.error is None and cut.status == 200
    assert cut.larger_than == DEFAULT_MAX_BODY
    assert len(cut.body_text.encode()) == DEFAULT_MAX_BODY
    assert cut.body_text.startswith('{"key":"csv"')
    assert cut.json() is NOT_JSON, "a cut body is no JSON document, whatever it starts with"
    after = client.send("GET", "/api/info")  # the connection closed at the cap; the pool opens another
    assert after.status == 200 and after.larger_than is None


@pytest.mark.parametrize(("spare", "cut"), [(0, False), (-1, True)])
def test_the_cap_counts_bytes_exactly(reference_server: ReferenceServer, spare: int, cut: bool) -> None:
    size = len(Client(reference_server.url).send("GET", "/api/info").body_text.encode())
    exchange = Client(reference_server.url, max_body=size + spare).send("GET", "/api/info")
    assert (exchange.larger_than is not None) is cut
    assert exchange.is_json is not cut


def test_generated_requests_are_capped_too(reference_server: ReferenceServer) -> None:
    reference_server.reset(knobs=OVERSIZED)
    privileged = _admin_headers(reference_server)
    client = Client(reference_server.url)
    cases = [
        case
        for case in draw_cases(Fuzz(examples=1))
        if case.method == "GET" and len(credentials_for(case.headers, privileged)) == len(privileged)
    ]
    assert cases, "the fragment's positive cases carry both credential headers"
    exchange = send_case(cases[0], client, privileged, checks=[])
    assert exchange.error is None and exchange.status == 200 and exchange.privileged
    assert exchange.larger_than == DEFAULT_MAX_BODY
    assert len(exchange.body_text.encode()) == DEFAULT_MAX_BODY


# -- the deadline ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_dripping_answer_ends_at_the_deadline(reference_server: ReferenceServer, part: str) -> None:
    """One byte every 0.1 s never trips the 1 s timeout of each read; the deadline ends the request."""
    reference_server.reset(knobs=Knobs(operation=OPERATION, hostile_drip=0.1, hostile_drip_part=part))
    client = Client(reference_server.url, timeout=1.0, deadline=DEADLINE)
    started = time.monotonic()
    exchange = _progress(client, reference_server)
    took = time.monotonic() - started
    assert exchange.status is None and exchange.error is not None
    assert "no complete answer within 1.5 s" in exchange.error and "--rc-request-deadline" in exchange.error
    assert took < 3 * DEADLINE, f"the request took {took:.1f} s"


def test_a_dripping_generated_request_ends_at_the_deadline(reference_server: ReferenceServer) -> None:
    reference_server.reset(knobs=Knobs(operation=OPERATION, hostile_drip=0.1, hostile_drip_part="headers"))
    client = Client(reference_server.url, timeout=1.0, deadline=DEADLINE)
    case = next(case for case in draw_cases(Fuzz(examples=1)) if case.method == "GET")
    started = time.monotonic()
    exchange = send_case(case, client, _admin_headers(reference_server), checks=[])
    assert exchange.error is not None and "--rc-request-deadline" in exchange.error
    assert time.monotonic() - started < 3 * DEADLINE


def test_a_slow_drip_that_completes_in_time_is_read_whole(reference_server: ReferenceServer) -> None:
    reference_server.reset(knobs=Knobs(operation=OPERATION, hostile_drip=0.001, hostile_drip_part="body"))
    exchange = _progress(Client(reference_server.url, timeout=5.0, deadline=60.0), reference_server)
    assert exchange.error is None and exchange.status == 200
    assert isinstance(exchange.json(), dict) and exchange.json()["count"] == {"completed": 10, "total": 10, "error": 0}


class SlowGateway(socketserver.ThreadingTCPServer):
    """Answers every request with a 502 page, one byte every ``interval`` seconds (a gateway whose upstream
    restarts, and slowly at that); counts the connections it took."""

    daemon_threads = True
    allow_reuse_address = True
    ANSWER = (
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 17\r\nConnection: close\r\n\r\n"
        b"<p>restarting</p>"
    )

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.connections = 0
        super().__init__(("127.0.0.1", 0), SlowGatewayHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class SlowGatewayHandler(socketserver.BaseRequestHandler):
    server: SlowGateway

    def handle(self) -> None:
        self.server.connections += 1
        received = b""
        while b"\r\n\r\n" not in received and len(received) < 65536:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            received += chunk
        for index in range(len(SlowGateway.ANSWER)):
            try:
                self.request.sendall(SlowGateway.ANSWER[index : index + 1])
            except OSError:  # the client gave up
                return
            time.sleep(self.server.interval)


@pytest.fixture
def gateway() -> Iterator[Any]:
    """Start a ``SlowGateway`` with the given interval; stopped after the test."""
    started: list[SlowGateway] = []

    def start(interval: float) -> SlowGateway:
        server = SlowGateway(interval)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def test_retries_do_not_restart_the_clock(gateway: Any) -> None:
    """Each 502 takes about 1.2 s, under the deadline of 2 s: five tries would take some 6 s."""
    slow = gateway(1.2 / len(SlowGateway.ANSWER))
    exchange = Client(slow.url, timeout=1.0, deadline=2.0).send("GET", ENDPOINT)
    assert exchange.status is None, f"the retries went on past the deadline: {exchange.status}, {exchange.attempts}"
    assert exchange.error is not None and "no complete answer within 2 s" in exchange.error
    assert slow.connections <= 3, "no try starts once the deadline has passed"


def test_no_backoff_outlasts_the_deadline(gateway: Any) -> None:
    """With a 60 s timeout the backoff before the third try is 6 s: the deadline of 1.5 s ends the wait."""
    fast = gateway(0.0)
    started = time.monotonic()
    exchange = Client(fast.url, timeout=60.0, deadline=DEADLINE).send("GET", ENDPOINT)
    took = time.monotonic() - started
    assert exchange.status == 502 or "--rc-request-deadline" in (exchange.error or ""), exchange
    assert took < 3 * DEADLINE, f"the request took {took:.1f} s"
