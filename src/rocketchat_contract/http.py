"""One HTTP client for every request the suite sends, recording each exchange as evidence."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter

from .redact import Redactor


class TargetError(Exception):
    """The target cannot be tested: unreachable, not Rocket.Chat, or the credentials are unusable."""


NOT_JSON = object()


@dataclass
class Exchange:
    """One request and its response (or the transport error that replaced it)."""

    probe: str
    method: str
    path: str
    request_headers: dict[str, str | bytes]
    request_body: Any = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    body_text: str = ""
    elapsed: float = 0.0
    error: str | None = None
    started: float = 0.0

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
        """Return the parsed body, or the module's NOT_JSON marker."""
        try:
            return json.loads(self.body_text)
        except ValueError:
            return NOT_JSON

    @property
    def is_json(self) -> bool:
        return self.json() is not NOT_JSON

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.response_headers.items():
            if key.lower() == lowered:
                return value
        return None

    def summary(self, redactor: Redactor, limit: int = 300) -> str:
        if self.error:
            return f"{self.method} {self.path}: no response ({self.error})"
        return f"{self.method} {self.path} -> {self.answer(redactor, limit)}"

    def answer(self, redactor: Redactor, limit: int = 300) -> str:
        """Status, Content-Type and the body on one line (an HTML page's line breaks collapsed), secrets masked."""
        body = " ".join(redactor.text(self.body_text).split())
        if len(body) > limit:
            body = body[:limit] + "…"
        return f"{self.status} [{self.content_type or 'no Content-Type'}] {body}".rstrip()

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


_EVIDENCE_HEADERS = {"content-type", "cache-control", "pragma", "allow", "retry-after"}


class Client:
    """A requests session bound to one base URL, timeout and TLS setting.

    Its connection pool holds the probes and the generated tests' wave in flight together (16 + 64).
    """

    def __init__(self, base_url: str, *, timeout: float = 10.0, verify: bool | str = True, pool: int = 80) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.verify = verify
        self.session = requests.Session()
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, HTTPAdapter(pool_maxsize=pool))
        self.session.headers["User-Agent"] = "rocketchat-contract"

    def close(self) -> None:
        self.session.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        probe: str = "setup",
        headers: dict[str, str | bytes] | None = None,
        json_body: Any = None,
    ) -> Exchange:
        """Send one request; header values go on the wire exactly as given (no client-side cleaning)."""
        url = urljoin(self.base_url, path.lstrip("/"))
        request = requests.Request(method, url, json=json_body)
        prepared = self.session.prepare_request(request)
        for name, value in (headers or {}).items():
            prepared.headers[name] = value  # type: ignore[assignment]
        exchange = Exchange(
            probe=probe,
            method=method,
            path="/" + path.lstrip("/"),
            request_headers=dict(headers or {}),
            request_body=json_body,
            started=time.monotonic(),
        )
        try:
            response = self.session.send(prepared, timeout=self.timeout, verify=self.verify, allow_redirects=False)
        except requests.RequestException as exc:
            exchange.error = describe_transport_error(exc, self.timeout)
            exchange.elapsed = time.monotonic() - exchange.started
            return exchange
        exchange.elapsed = time.monotonic() - exchange.started
        exchange.status = response.status_code
        exchange.response_headers = dict(response.headers)
        exchange.body_text = response.content.decode("utf-8", "replace")
        return exchange


def describe_transport_error(exc: requests.RequestException, timeout: float) -> str:
    """Say in one phrase why no HTTP response came back."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS error ({_reason(text)}); pass --ca-bundle PATH if the server uses a private CA"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"timed out after {timeout:g} s (--request-timeout)"
    if "NameResolutionError" in text or "Name or service not known" in text or "nodename nor servname" in text:
        return "DNS lookup failed: the host name does not resolve"
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused: nothing listens on that host and port"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"connection failed ({_reason(text)})"
    return f"request failed ({_reason(text)})"


def _reason(text: str) -> str:
    inner = text.rsplit("(", 1)[-1].rstrip(")'\" ")
    return inner[:160] or text[:160]
