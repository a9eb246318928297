"""The reference server's app on a threaded Werkzeug server behind a tracing middleware.

The server's own request log has no end times, credential headers or login tokens; the benchmark
needs all three (chain lengths, replaying the suite's requests), so a WSGI wrapper records them.
The app is served exactly as ``ReferenceServer.start()`` serves it (threaded Werkzeug on 127.0.0.1),
through its public ``wsgi_app`` hook; counts still come from ``ReferenceServer.requests``.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from rocketchat_contract.reference import Account, Knobs, LoggedRequest, ReferenceServer

MAX_BODY = 1 << 20


@dataclass(frozen=True)
class Traced:
    """One answered request as the wire saw it: credential headers, body, status and both ends in time."""

    method: str
    path: str
    user_id: bytes | None
    token: bytes | None
    content_type: str | None
    body: bytes
    status: int
    start: float
    end: float
    issued: tuple[str, str] | None
    """(userId, authToken) when this was a successful login."""

    @property
    def duration(self) -> float:
        return self.end - self.start


class _Quiet(WSGIRequestHandler):
    """No access log: a run makes hundreds of requests."""

    def log(self, type: str, message: str, *args: Any) -> None:
        return None


def _header(environ: dict[str, Any], key: str) -> bytes | None:
    """PEP 3333 hands headers over as latin-1 text; encoding back gives the bytes that were sent."""
    value = environ.get(key)
    return None if value is None else str(value).encode("latin-1", "replace")


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the body once and put it back, so the app still sees it."""
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _issued(path: str, status: int, payload: bytes) -> tuple[str, str] | None:
    if status != 200 or not path.startswith("/api/v1/login"):
        return None
    try:
        data = json.loads(payload).get("data") or {}
    except (ValueError, AttributeError):
        return None
    user_id, token = data.get("userId"), data.get("authToken")
    return (user_id, token) if isinstance(user_id, str) and isinstance(token, str) else None


class Tracer:
    """WSGI middleware: run the app, then record what went in and what came out."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.records: list[Traced] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.time()
        body = _read_body(environ)
        statuses: list[int] = []

        def recording(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            statuses.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        result = self.app(environ, recording)
        try:
            chunks = list(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        query = environ.get("QUERY_STRING") or ""
        path = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        status = statuses[-1] if statuses else 0
        record = Traced(
            method=environ["REQUEST_METHOD"],
            path=path,
            user_id=_header(environ, "HTTP_X_USER_ID"),
            token=_header(environ, "HTTP_X_AUTH_TOKEN"),
            content_type=environ.get("CONTENT_TYPE") or None,
            body=body,
            status=status,
            start=started,
            end=time.time(),
            issued=_issued(path, status, b"".join(chunks)),
        )
        with self.lock:
            self.records.append(record)
        return chunks

    def take(self) -> list[Traced]:
        """The records so far in start order, and a clean slate."""
        with self.lock:
            records, self.records = self.records, []
        return sorted(records, key=lambda r: r.start)


class Served:
    """One reference server (profile + knobs) listening on 127.0.0.1, traced; reset between runs."""

    def __init__(self, profile: str, knobs: Knobs) -> None:
        self.reference = ReferenceServer(profile, knobs)
        self.tracer = Tracer(self.reference.wsgi_app)
        self._httpd: BaseWSGIServer = make_server("127.0.0.1", 0, self.tracer, threaded=True, request_handler=_Quiet)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="bench-reference", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_port}"

    @property
    def profile(self) -> str:
        return self.reference.profile

    @property
    def accounts(self) -> dict[str, Account]:
        return self.reference.accounts

    def reset(self, knobs: Knobs | None = None) -> dict[str, Account]:
        """Fresh users, tokens, limiter and logs; returns the new accounts."""
        self.reference.reset(knobs=knobs)
        self.tracer.take()
        return self.accounts

    def collect(self) -> tuple[list[LoggedRequest], list[Traced]]:
        """The server's own request log and the trace, both in start order."""
        log = sorted(self.reference.requests, key=lambda r: r.started_at)
        return log, self.tracer.take()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
