"""One HTTP client for every request the suite sends, recording each exchange as evidence."""

from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from http.client import RemoteDisconnected
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth
from urllib3.exceptions import HTTPError, MaxRetryError, NameResolutionError, ProtocolError, ReadTimeoutError
from urllib3.util.retry import Retry

from rocketchat_contract.client import bounds
from rocketchat_contract.client.bounds import BoundedAdapter, DeadlineExceeded
from rocketchat_contract.client.causes import caused_by, causes
from rocketchat_contract.client.defaults import DEFAULT_MAX_BODY, DEFAULT_TIMEOUT, default_deadline
from rocketchat_contract.client.printable import printable
from rocketchat_contract.client.proxy import proxies_for
from rocketchat_contract.client.redact import Redactor, display_url
from rocketchat_contract.client.tls import describe_tls_error
from rocketchat_contract.contract.reader import REPORTS, nesting


class TargetError(Exception):
    """The target cannot be tested: unreachable, not Rocket.Chat, or the credentials are unusable."""


NOT_JSON = object()
LEVELS_ABOVE_A_BODY = 9
"""The containers around a recorded response body in a fleet report: the document, its targets, a target, its
report, the report's observations, the generated ones, a clause's, an exchange, its response (a compliance report
alone: the last 6)."""
MAX_BODY_DEPTH = REPORTS.max_depth - LEVELS_ABOVE_A_BODY
"""The deepest a server's JSON body may nest to be judged as JSON: what a fleet report, and so every report, can hold
within the reports' nesting bound (docs/files.md). Every body Rocket.Chat sends nests 3 deep or less; one far deeper
(a hostile server's) would stop Python's parser, or whatever walks the report, at its recursion limit."""
TRANSIENT_STATUSES = frozenset({502, 503, 504})
"""What a front end answers while the server behind it restarts: retried, for GET only."""
RETRIES = 4
"""Retries of a transient failure (five tries in all)."""
BACKOFF_SHARE = 0.05
"""Backoff factor per second of --request-timeout: waits of 0, 2f, 4f, 8f, so 0.7 of it in all."""


@dataclass
class Exchange:
    """One request and its response (or the transport error that replaced it)."""

    probe: str
    method: str
    path: str
    """The path (and query) on the wire, the base URL's own path included."""
    request_headers: dict[str, str | bytes]
    request_body: Any = None
    status: int | None = None
    response_headers: CaseInsensitiveDict[str] = field(default_factory=CaseInsensitiveDict)
    body_text: str = ""
    elapsed: float = 0.0
    error: str | None = None
    started: float = 0.0
    url: str = ""
    """The full URL, with any password in it masked, for messages."""
    attempts: int = 1
    """How many times it was sent: more than one when a transient failure was retried."""
    larger_than: int | None = None
    """Set when the body was larger than this many bytes (--rc-max-body): ``body_text`` holds what was read up
    to there, and the body is no JSON document whatever it starts with."""

    def __post_init__(self) -> None:
        self.response_headers = CaseInsensitiveDict(self.response_headers)

    def __repr__(self) -> str:
        """Method, path and status only: header values and bodies may carry tokens, and tracebacks show reprs."""
        outcome = f"error={self.error!r}" if self.error else f"status={self.status}"
        headers = sorted(self.request_headers)
        return f"Exchange(probe={self.probe!r}, {self.method} {self.path}, {outcome}, headers={headers})"

    @property
    def content_type(self) -> str:
        return self.response_headers.get("Content-Type", "")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """Return the parsed body, or the module's NOT_JSON marker: also for a body cut at the cap, and for one
        nested deeper than MAX_BODY_DEPTH (a hostile server's)."""
        if self.larger_than is not None:
            return NOT_JSON
        try:
            body = json.loads(self.body_text)
        except (ValueError, RecursionError):
            return NOT_JSON
        return NOT_JSON if nesting(body) > MAX_BODY_DEPTH else body

    @property
    def is_json(self) -> bool:
        return self.json() is not NOT_JSON

    @property
    def too_deep(self) -> bool:
        """A JSON body that ``json()`` refuses for its nesting alone (past MAX_BODY_DEPTH, or past Python's parser)."""
        if self.larger_than is not None:
            return False
        try:
            return nesting(json.loads(self.body_text)) > MAX_BODY_DEPTH
        except RecursionError:
            return True
        except ValueError:
            return False

    def header(self, name: str) -> str | None:
        return self.response_headers.get(name)

    def rate_limit_reset_in(self) -> float | None:
        """Seconds until the rate-limit window of a 429 resets (X-RateLimit-Reset, epoch milliseconds)."""
        reset = self.header("X-RateLimit-Reset")
        if self.status != 429 or not reset or not reset.isdigit():
            return None
        return max(int(reset) / 1000 - time.time(), 0.0)

    def summary(self, redactor: Redactor, limit: int = 300) -> str:
        """The request and what came back (``answer``) on one line, for a verdict's detail or a message."""
        if self.error:
            return printable(f"{self.method} {self.path}: no response ({self.error})")
        return f"{printable(f'{self.method} {self.path}')} -> {self.answer(redactor, limit)}"

    def answer(self, redactor: Redactor, limit: int = 300) -> str:
        """Status, Content-Type and the body on one line (an HTML page's line breaks collapsed), secrets masked and
        control characters escaped (``printable``)."""
        body = " ".join(redactor.text(self.body_text).split())
        if len(body) > limit:
            body = body[:limit] + "…"
        return printable(f"{self.status} [{self.content_type or 'no Content-Type'}] {body}".rstrip())

    def evidence(self, redactor: Redactor) -> dict[str, Any]:
        """The exchange as report evidence, with every secret masked."""
        body: Any = self.json()
        response_body = redactor.data(body) if body is not NOT_JSON else redactor.text(self.body_text[:2000])
        return {
            "probe": self.probe,
            "request": {
                "method": self.method,
                "path": self.path,
                "headers": {k: redactor.header_value(k, v) for k, v in self.request_headers.items()},
                **({"body": redactor.data(self.request_body)} if self.request_body is not None else {}),
            },
            "response": None
            if self.error
            else {
                "status": self.status,
                "headers": {
                    k: redactor.text(v)
                    for k, v in self.response_headers.items()
                    if k.lower() in _EVIDENCE_HEADERS or k.lower().startswith("x-ratelimit")
                },
                "body": response_body,
                "elapsed_ms": round(self.elapsed * 1000),
            },
            **({"error": self.error} if self.error else {}),
        }


_EVIDENCE_HEADERS = {"content-type", "cache-control", "pragma", "allow", "retry-after", "location", "server"}


class TransientRetry(Retry):
    """urllib3's Retry for what a restarting server behind a proxy looks like, and nothing else.

    Retried: 502/503/504 and a connection the server reset, for GET only. Never retried: a timeout (it
    already took --request-timeout), a refused connection or DNS failure (not transient), TLS errors,
    429 (the rate limiter: the run waits for its window instead) and any redirect (never followed).
    The retries share the request's deadline (``bounds.Budget``): no backoff outlasts it, and none starts
    after it.
    """

    def increment(self, *args: Any, **kwargs: Any) -> TransientRetry:
        error = kwargs.get("error")
        budget = bounds.current()
        if isinstance(error, ReadTimeoutError) or (error is not None and budget is not None and budget.expired):
            raise error
        return super().increment(*args, **kwargs)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        budget = bounds.current()
        return not (budget is not None and budget.expired) and super().is_retry(method, status_code, has_retry_after)

    def get_backoff_time(self) -> float:
        budget = bounds.current()
        backoff = super().get_backoff_time()
        return backoff if budget is None else min(backoff, budget.remaining())


def transient_retry(timeout: float, retries: int = RETRIES) -> TransientRetry:
    """The retry policy of one client: ``retries`` more tries, backing off in proportion to the timeout."""
    return TransientRetry(
        total=retries,
        connect=0,
        read=retries,
        status=retries,
        other=0,
        redirect=False,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=TRANSIENT_STATUSES,
        backoff_factor=timeout * BACKOFF_SHARE,
        backoff_max=timeout / 2,
        raise_on_status=False,
        respect_retry_after_header=False,
    )


class Client:
    """A requests session bound to one base URL, timeout, deadline, body cap and TLS setting.

    Every request goes to the base URL's path (``https://example.com/chat`` → ``/chat/api/...``), with
    or without a trailing slash. Its connection pool holds the probes and the generated tests' wave in
    flight together (16 + 64); its adapter retries transient failures (``TransientRetry``), reads no body
    past ``max_body`` bytes and ends a request at its ``deadline`` (``bounds.BoundedAdapter``).

    What requests would read from the environment for every request (``trust_env``: the proxy, NO_PROXY, netrc
    credentials) is read once, here, for the base URL, the only host the client sends to; its sessions send with
    those settings and ``trust_env`` off. The CA bundle is ``verify``, resolved by the caller
    (``tls.resolve_ca_bundle``) and passed with every request.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        deadline: float | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        verify: bool | str = True,
        verify_source: str | None = None,
        pool: int = 80,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.display_url = display_url(self.base_url)
        self.timeout = timeout
        self.deadline = default_deadline(timeout) if deadline is None else deadline
        """The longest one request may take in all, retries included (--rc-request-deadline)."""
        self.max_body = max_body
        """The most bytes read of a body (--rc-max-body)."""
        self.verify = verify
        self.verify_source = verify_source
        """Where the CA bundle was named (--ca-bundle, REQUESTS_CA_BUNDLE…), for the remedy of a TLS error."""
        self.pool = pool
        self.proxies = proxies_for(self.base_url)
        """The proxy requests would choose from the environment for the base URL (``{}``: none, or NO_PROXY)."""
        self.netrc_auth = get_netrc_auth(self.base_url)
        """The base URL's host's credentials in a netrc file (NETRC, ~/.netrc), as requests would send them."""
        self.session = self._session(RETRIES)
        self._budgeted: dict[int, requests.Session] = {}
        self._lock = threading.Lock()

    def new_session(self) -> requests.Session:
        """A session that sends as requests would with this environment, without reading it again per request."""
        session = requests.Session()
        session.trust_env = False
        session.proxies = dict(self.proxies)
        if self.netrc_auth is not None:
            session.auth = self.netrc_auth
        return session

    def pooled_session(self) -> requests.Session:
        """A new session on this client's connection pool and settings, for a caller that changes a session while
        it sends (schemathesis's ``case.call`` sets and restores its headers): one per call, the pool shared."""
        session = self.new_session()
        for prefix, adapter in self.session.adapters.items():
            session.mount(prefix, adapter)
        return session

    def _session(self, retries: int) -> requests.Session:
        session = self.new_session()
        adapter = BoundedAdapter(
            cap=self.max_body,
            deadline=self.deadline,
            pool_maxsize=self.pool,
            max_retries=transient_retry(self.timeout, retries),
        )
        for prefix in ("http://", "https://"):
            session.mount(prefix, adapter)
        session.headers["User-Agent"] = "rocketchat-contract"
        return session

    def _session_for(self, retries: int | None) -> requests.Session:
        if retries is None or retries == RETRIES:
            return self.session
        with self._lock:
            if retries not in self._budgeted:
                self._budgeted[retries] = self._session(retries)
            return self._budgeted[retries]

    def close(self) -> None:
        self.session.close()
        for session in self._budgeted.values():
            session.close()

    def budget(self) -> AbstractContextManager[bounds.Budget]:
        """One deadline and body cap for whatever this thread sends in the block (a request and its retries)."""
        return bounds.budget(self.deadline, self.max_body)

    def url(self, path: str) -> str:
        """The full URL of ``path`` under the base URL (its path kept exactly once)."""
        return urljoin(self.base_url, path.lstrip("/"))

    def send(
        self,
        method: str,
        path: str,
        *,
        probe: str = "setup",
        headers: dict[str, str | bytes] | None = None,
        json_body: Any = None,
        retries: int | None = None,
    ) -> Exchange:
        """Send one request; header values go on the wire exactly as given (no client-side cleaning).

        ``retries`` lowers the number of retries for a request that counts against a rate limit.
        """
        url = self.url(path)
        request = requests.Request(method, url, json=json_body)
        session = self._session_for(retries)
        prepared = session.prepare_request(request)
        for name, value in (headers or {}).items():
            prepared.headers[name] = value  # type: ignore[assignment]
        parts = urlsplit(url)
        exchange = Exchange(
            probe=probe,
            method=method,
            path=parts.path + (f"?{parts.query}" if parts.query else ""),
            request_headers=dict(headers or {}),
            request_body=json_body,
            started=time.monotonic(),
            url=display_url(url),
        )
        try:
            with self.budget() as spent:
                response = session.send(prepared, timeout=self.timeout, verify=self.verify, allow_redirects=False)
        except requests.RequestException as exc:
            tried = RETRIES if retries is None else retries
            exchange.error = self.describe(exc, retries=tried)
            exchange.elapsed = time.monotonic() - exchange.started
            return exchange
        exchange.elapsed = time.monotonic() - exchange.started
        exchange.status = response.status_code
        exchange.response_headers = response.headers
        exchange.body_text = response.content.decode("utf-8", "replace")
        exchange.larger_than = spent.larger_than
        history = getattr(getattr(response.raw, "retries", None), "history", ())
        exchange.attempts = len(history) + 1
        return exchange

    def describe(self, exc: requests.RequestException, *, retries: int = RETRIES) -> str:
        """Say in one phrase why no HTTP response came back (after ``retries`` retries of a transient failure)."""
        if isinstance(exc, DeadlineExceeded):
            return f"no complete answer within {self.deadline:g} s, the deadline of one request (--rc-request-deadline)"
        if isinstance(exc, requests.exceptions.SSLError):
            return printable(describe_tls_error(exc, self.verify, self.verify_source))
        if isinstance(exc, requests.exceptions.Timeout):
            return f"timed out after {self.timeout:g} s (--request-timeout)"
        return describe_transport_error(exc, retries=retries)


def describe_transport_error(exc: requests.RequestException, *, retries: int = RETRIES) -> str:
    """Say in one phrase why a connection gave no HTTP response (after ``retries`` retries of a transient
    failure), from the exceptions behind it; ``Client.describe`` adds the TLS and timeout cases, which need the
    client's settings."""
    if caused_by(exc, NameResolutionError, socket.gaierror):
        return "DNS lookup failed: the host name does not resolve"
    if isinstance(exc, requests.exceptions.ProxyError):
        return f"the proxy could not be reached or would not connect ({_reason(exc)}); the header line names it"
    if caused_by(exc, ConnectionRefusedError):
        return "connection refused: nothing listens on that host and port"
    if caused_by(exc, ConnectionResetError, ConnectionAbortedError, BrokenPipeError, RemoteDisconnected, ProtocolError):
        tries = f"{retries + 1} times" if caused_by(exc, MaxRetryError) else "once"
        return f"the connection was closed or reset without an answer (tried {tries})"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"connection failed ({_reason(exc)})"
    return f"request failed ({_reason(exc)})"


def _reason(exc: BaseException) -> str:
    """The operating system's own words for the failure (its innermost socket error), else the error's."""
    system = [
        c for c in causes(exc) if isinstance(c, OSError) and not isinstance(c, (requests.RequestException, HTTPError))
    ]
    words = (system[-1].strerror or str(system[-1])) if system else str(exc)
    text = " ".join(words.split()) or type(exc).__name__
    return printable(text[:160])
