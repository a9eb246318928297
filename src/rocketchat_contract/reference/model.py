"""The value types of the reference server: operations, test knobs, accounts and the request log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_OPERATION = re.compile(r"^(?P<key>[^:\s]+):(?P<step>[a-z_]+)(?::(?P<done>\d+)/(?P<total>\d+)(?:/(?P<error>\d+))?)?$")


@dataclass(frozen=True)
class Operation:
    """The latest import operation the server reports (``Imports.findLastImport()``)."""

    key: str
    step: str
    completed: int = 0
    total: int = 0
    error: int = 0

    @classmethod
    def parse(cls, text: str) -> Operation:
        """Read ``key:step[:completed/total[/error]]``, e.g. ``csv:importer_importing_messages:120/500``."""
        match = _OPERATION.match(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not an operation (expected key:step[:completed/total[/error]])")
        numbers = [int(match[name] or 0) for name in ("done", "total", "error")]
        return cls(match["key"], match["step"], *numbers)


@dataclass(frozen=True)
class Knobs:
    """What a test can turn on the server: delays, the limiter, the stored operation, variations, faults."""

    delay_scale: float = 0.0
    rate_limit: bool = True
    rate_limit_calls: int = 10
    rate_limit_window: float = 60.0
    operation: Operation | None = None
    variations: frozenset[str] = frozenset()
    faults: frozenset[str] = frozenset()
    two_factor: frozenset[str] = frozenset()
    """Usernames whose password login answers totp-required, asking for ``two_factor_method``."""
    two_factor_method: str = "email"
    """The second factor those users have: totp (an authenticator app), email or password."""
    version: str | None = None
    """The release the server reports instead of its profile's (the profile's behaviour is kept)."""
    hostile_body_size: int = 500 * 1024 * 1024
    """Bytes of the 200 that the fault hostile-oversized-body streams (reference/hostile.py)."""
    hostile_drip: float = 0.0
    """Seconds between the bytes of every answer of the endpoint; 0 sends them at once (reference/hostile.py)."""
    hostile_drip_part: str = "body"
    """What the drip sends one byte at a time: ``headers`` (status line and headers) or ``body``."""
    revoked: frozenset[str] = frozenset()
    """Grants an operator took away, as ``role:permission`` (``admin:run-import``): the role no longer holds the
    permission, and permissions.listAll says so."""


@dataclass(frozen=True)
class Account:
    """A provisioned user and the login token issued to it at reset."""

    user_id: str
    username: str
    password: str
    token: str


@dataclass(frozen=True)
class LoggedRequest:
    """One answered request, for tests that count what reached the server."""

    method: str
    path: str
    user_id: str | None
    status: int
    started_at: float
    query: str = ""
    """The raw query string, empty when the request had none (the suite must never send one)."""


@dataclass
class User:
    """A stored user: roles decide permissions, tokens are the live resume tokens."""

    user_id: str
    username: str
    name: str
    email: str
    password: str
    roles: list[str]
    verified: bool = False
    two_factor: str | None = None
    """The second factor a password login asks for (totp, email, password), or None."""
    tokens: list[str] = field(default_factory=list)
    created_at: str = "2025-01-01T00:00:00.000Z"


@dataclass
class StoredOperation:
    """An import record as getLatestImportOperations lists it."""

    op_id: str
    operation: Operation
    user_id: str
    ts: float
    valid: bool = True
