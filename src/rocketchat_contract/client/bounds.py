"""The bounds of every request: a body read only up to a cap, and a deadline for the whole exchange.

requests reads a body whole (``response.content``), however large, and its timeout applies to each socket
read, so a server that sends a byte every few seconds never trips it. ``BoundedAdapter``, mounted for both
schemes on every session of the client (schemathesis's ``case.call`` included), bounds both through public
extension points only:

- it sends with ``stream=True`` and replaces the public ``response.raw`` with a ``CappedBody``, which hands
  out at most ``cap`` bytes and then closes the connection without draining it;
- a ``Budget`` per request holds its deadline: a watchdog timer shuts down the socket of the request's
  connection when the deadline passes, which ends a blocked read at once. The connection is found through
  connection pools whose ``ConnectionCls`` registers each connection with the budget of the request it
  serves (a thread-local: urllib3 sends, and retries, in the caller's thread), so the retries of
  ``TransientRetry`` run on the first try's clock.

The adapter opens a budget for each request, unless the caller opened one (``budget``) to cover more than one
``send``, as the generated requests do around schemathesis's own retry of a dropped connection.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import BaseHTTPResponse, HTTPResponse

CHUNK = 64 * 1024


class DeadlineExceeded(requests.exceptions.Timeout):
    """The request was still going when its deadline passed; its socket was shut down."""


class Budget:
    """What one request may spend: time until its deadline, bytes up to the cap; and what it did spend."""

    def __init__(self, seconds: float, cap: int) -> None:
        self.seconds = seconds
        self.cap = cap
        self.larger_than: int | None = None
        """The cap, once a body turned out larger than it (its first ``cap`` bytes were kept)."""
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._connections: list[Watched] = []
        self._responses: list[BaseHTTPResponse] = []
        self._expired = False
        self._finished = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def expired(self) -> bool:
        return self._expired

    def remaining(self) -> float:
        return max(self._ends - time.monotonic(), 0.0)

    def watch(self, connection: Watched) -> None:
        """Take ``connection`` as this request's, to shut down at the deadline; raise if it has passed already."""
        with self._lock:
            if self._expired:
                raise TimeoutError(f"the request's deadline of {self.seconds:g} s has passed")
            connection.budget = self
            self._connections.append(connection)

    def watch_response(self, response: BaseHTTPResponse) -> None:
        """Take ``response`` as this request's, to shut down at the deadline: once its head is read, the
        connection may hand its socket over to it (``Connection: close``)."""
        with self._lock:
            self._responses.append(response)
            expired = self._expired
        if expired:
            _stop(response)

    def finish(self) -> None:
        """The request is over (answered, cut at the cap, or failed): stop the watchdog."""
        with self._lock:
            self._finished = True
            self._connections.clear()
            self._responses.clear()
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            if self._finished:
                return
            self._expired = True
            connections = [c for c in self._connections if c.budget is self]  # not one another request took since
            responses = list(self._responses)
        for connection in connections:
            _shut_down(connection.sock)
        for response in responses:
            _stop(response)

    def exceeded(self) -> DeadlineExceeded:
        return DeadlineExceeded(f"no complete answer within {self.seconds:g} s")


def _shut_down(sock: Any) -> None:
    """End every blocked read and write on ``sock`` at once. The plain socket's own shutdown, also under TLS:
    ``SSLSocket.shutdown`` would unwrap the TLS layer under the reader's feet."""
    raw = sock if isinstance(sock, socket.socket) else getattr(sock, "socket", None)  # TLS in TLS: SSLTransport
    if isinstance(raw, socket.socket):
        with contextlib.suppress(OSError):  # already closed
            socket.socket.shutdown(raw, socket.SHUT_RDWR)


def _stop(response: BaseHTTPResponse) -> None:
    """End a blocked read of ``response``'s body (urllib3's ``shutdown``, made for this)."""
    with contextlib.suppress(Exception):  # released to the pool already, or closed meanwhile: nothing is blocked
        response.shutdown()


_local = threading.local()


def current() -> Budget | None:
    """The budget of the request this thread is sending, if any."""
    found: Budget | None = getattr(_local, "budget", None)
    return found


@contextlib.contextmanager
def budget(seconds: float, cap: int) -> Iterator[Budget]:
    """One budget for everything this thread sends in the block (a request and every retry of it); an
    enclosing block's budget when there is one."""
    outer = current()
    if outer is not None:
        yield outer
        return
    opened = Budget(seconds, cap)
    _local.budget = opened
    try:
        yield opened
    finally:
        _local.budget = None
        opened.finish()


def _watch(connection: Watched) -> None:
    """Register a connection with the budget of the request this thread is sending, and let its connecting
    wait no longer than that budget has left."""
    found = current()
    if found is None:
        return
    found.watch(connection)
    if isinstance(connection.timeout, int | float):
        connection.timeout = min(connection.timeout, max(found.remaining(), 0.001))


def _watched_response(response: HTTPResponse) -> HTTPResponse:
    found = current()
    if found is not None:
        found.watch_response(response)
    return response


class WatchedHTTPConnection(HTTPConnection):
    budget: Budget | None = None
    """The budget of the request the connection serves now."""

    def connect(self) -> None:
        _watch(self)
        super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(*args, **kwargs)

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]  # urllib3's own override
        return _watched_response(super().getresponse())


class WatchedHTTPSConnection(WatchedHTTPConnection, HTTPSConnection):
    """The same over TLS: its methods come first, and theirs call HTTPSConnection's."""


Watched = WatchedHTTPConnection


class WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


WATCHED_POOLS: dict[str, type[HTTPConnectionPool]] = {
    "http": WatchedHTTPConnectionPool,
    "https": WatchedHTTPSConnectionPool,
}


class CappedBody:
    """A response's body that yields at most ``budget.cap`` bytes, and stops at the deadline.

    Past the cap it records ``budget.larger_than``, closes the connection without reading the rest and answers
    as at the end of the body. Everything else (headers, version, retries…) is the wrapped response's."""

    def __init__(self, raw: Any, spent: Budget, *, owned: bool) -> None:
        self._raw = raw
        self._budget = spent
        self._owned = owned
        """Whether the body's end is the end of the request (no enclosing ``budget`` block)."""
        self._kept = 0
        self._over = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def read(self, amt: int | None = None, decode_content: bool | None = None, cache_content: bool = False) -> bytes:
        if amt is None:
            return b"".join(iter(lambda: self.read(CHUNK, decode_content), b""))
        return self._take(lambda: self._raw.read(amt, decode_content=decode_content))

    def read1(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        return self._take(lambda: self._raw.read1(amt, decode_content=decode_content))

    def stream(self, amt: int | None = CHUNK, decode_content: bool | None = None) -> Iterator[bytes]:
        while chunk := self.read(amt or CHUNK, decode_content):
            yield chunk

    def close(self) -> None:
        self._raw.close()
        self._end()

    def _take(self, read: Callable[[], bytes]) -> bytes:
        if self._over:
            return b""
        try:
            chunk = read()
        except Exception as exc:
            self._end()
            if self._budget.expired:
                self._raw.close()
                raise self._budget.exceeded() from exc
            raise
        if not chunk:
            self._end()
            if self._budget.expired:  # the socket was shut down: what came is not the whole body
                self._raw.close()
                raise self._budget.exceeded()
            return b""
        room = self._budget.cap - self._kept
        if len(chunk) > room:
            chunk = chunk[:room]
            self._over = True
            self._budget.larger_than = self._budget.cap
            self._raw.close()  # not drained: the rest may be endless
            self._raw.release_conn()
            self._end()
        self._kept += len(chunk)
        return chunk

    def _end(self) -> None:
        if self._owned:
            self._budget.finish()


class BoundedAdapter(HTTPAdapter):
    """requests' adapter with every body capped and every request held to its deadline (see the module)."""

    def __init__(self, *, cap: int, deadline: float, **kwargs: Any) -> None:
        self.cap = cap
        self.deadline = deadline
        super().__init__(**kwargs)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # a SOCKS proxy's pools connect through it: left as they are
            manager.pool_classes_by_scheme = WATCHED_POOLS
        return manager

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        outer = current()
        spent = outer if outer is not None else Budget(self.deadline, self.cap)
        _local.budget = spent
        try:
            response = super().send(request, True, timeout, verify, cert, proxies)
        except Exception as exc:
            if outer is None:
                spent.finish()
            if spent.expired:
                raise spent.exceeded() from exc
            raise
        finally:
            _local.budget = outer
        response.raw = CappedBody(response.raw, spent, owned=outer is None)
        return response
