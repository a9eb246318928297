"""Hostile answers: what a server sends that would exhaust a client's memory or time, or act through its words.

- ``hostile-oversized-body`` (a fault of ``faults.yaml``): the endpoint's 200 is the progress object with
  spaces before its closing brace, ``Knobs.hostile_body_size`` bytes in all (500 MiB by default). Valid JSON,
  the documented body if read whole; made while it is sent, never held in memory.
- ``hostile-deep-body``: the endpoint's 200 is the progress object inside 100,000 nested JSON arrays (200 kB,
  valid JSON), deeper than Python's parser goes and than anything that walks a document recursively can follow.
- The drip (``Knobs.hostile_drip`` seconds between bytes, 0 for none): every answer of the endpoint goes out one
  byte at a time, its head (status line and headers) or its body (``Knobs.hostile_drip_part``). WSGI hands the
  head to the server whole, so a dripped answer is written to the connection's socket directly.
- Hostile text (``hostile`` in ``faults.yaml``): response headers and an ``/api/info`` version that carry terminal
  control sequences or markup, which a client must show and never obey. No clause judges either, so these faults
  test the suite's output rather than its verdicts.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable, Iterator
from typing import Any

from werkzeug.wrappers import Response

from rocketchat_contract.reference.faults import Fault

OVERSIZED = "hostile-oversized-body"
"""The switch of the fault."""
DEEP = "hostile-deep-body"
"""The switch of the fault."""
DEEP_LEVELS = 100_000
DRIP_PARTS = ("headers", "body")
CHUNK = 64 * 1024


def oversized(response: Response, size: int) -> Response:
    """``response`` (a JSON object) padded with spaces before its closing brace to ``size`` bytes, streamed."""
    text = response.get_data().rstrip()
    head = text[:-1]
    padding = max(size - len(text), 0)
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(text) + padding)))
    return Response(_padded(head, padding), status=response.status, headers=headers, direct_passthrough=True)


def deep(response: Response, levels: int = DEEP_LEVELS) -> Response:
    """``response`` (a JSON object) inside ``levels`` nested arrays."""
    body = b"[" * levels + response.get_data().strip() + b"]" * levels
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    return Response(body, status=response.status, headers=headers)


def _padded(head: bytes, padding: int) -> Iterator[bytes]:
    yield head
    block = b" " * CHUNK
    while padding > 0:
        part = min(padding, CHUNK)
        yield block[:part]
        padding -= part
    yield b"}"


def dripped(response: Response, environ: dict[str, Any], interval: float, part: str) -> Iterable[bytes]:
    """An iterable that writes ``response`` to the connection's socket, ``part`` one byte every ``interval``
    seconds, and yields nothing for the server to write."""
    body = response.get_data()
    framing = ("content-length", "connection", "transfer-encoding")
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in framing]
    lines = [f"HTTP/1.1 {response.status}", *(f"{k}: {v}" for k, v in headers), f"Content-Length: {len(body)}"]
    head = ("\r\n".join([*lines, "Connection: close", "", ""])).encode("latin-1")
    return _written(environ["werkzeug.socket"], head, body, interval, part)


def _written(sock: socket.socket, head: bytes, body: bytes, interval: float, part: str) -> Iterator[bytes]:
    yield from ()
    slow, fast = (head, body) if part == "headers" else (body, head)
    try:
        if part == "body":
            sock.sendall(fast)
        for index in range(len(slow)):
            if index:
                time.sleep(interval)
            sock.sendall(slow[index : index + 1])
        if part == "headers":
            sock.sendall(fast)
        sock.shutdown(socket.SHUT_RDWR)
    except OSError as exc:  # the client gave up (under TLS, an SSLError)
        raise ConnectionAbortedError("the client closed the connection") from exc
    # Werkzeug would now write a head of its own: a dropped connection is the one ending it takes quietly.
    raise ConnectionAbortedError("the answer was written to the socket directly")


def hostile_version(faults: Iterable[Fault]) -> str | None:
    """The version a hostile fault has ``/api/info`` report instead of the profile's, or None."""
    return next((f.hostile["version"] for f in faults if f.hostile and "version" in f.hostile), None)


def add_hostile_headers(response: Response, faults: Iterable[Fault]) -> None:
    """Set every header the hostile faults name on ``response`` (any answer, on any route)."""
    for fault in faults:
        for name, value in (fault.hostile or {}).get("headers", {}).items():
            response.headers[name] = value
