"""The requests the suite sends to the endpoint, each built from whatever sessions the run could open."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from rocketchat_contract.client.credentials import Session

ENDPOINT = "/api/v1/getImportProgress"
OVERLONG = 8 * 1024
NON_ASCII = "tökén-ключ-令牌-🔑".encode()
INJECTION = ('{"$ne": null}', "' OR '1'='1")

Headers = dict[str, str | bytes]


@dataclass
class ProbeContext:
    """The sessions a run holds; a probe that needs a missing one is not sent."""

    privileged: Session | None = None
    under: Session | None = None
    revoked: Session | None = None
    revoked_reason: str = ""
    under_reason: str = ""
    privileged_reason: str = ""

    @property
    def known_user_id(self) -> str:
        for session in (self.privileged, self.under):
            if session:
                return session.user_id
        return "rcContractNoSuchUser"

    def any_session(self) -> Session | None:
        return self.privileged or self.under


@dataclass(frozen=True)
class Probe:
    name: str
    method: str
    build: Callable[[ProbeContext], Headers | str]
    """Return the headers to send, or the reason the probe cannot be sent."""
    hostile: bool = False
    """Its input is one a front end may refuse (empty, huge, non-ASCII, injection-like); a front-end page on any
    other probe stays a violation (frontend.py)."""


def _privileged(ctx: ProbeContext) -> Headers | str:
    return ctx.privileged.headers() if ctx.privileged else ctx.privileged_reason


def _under(ctx: ProbeContext) -> Headers | str:
    return ctx.under.headers() if ctx.under else ctx.under_reason


def _token_only(ctx: ProbeContext) -> Headers | str:
    session = ctx.any_session()
    return {"X-Auth-Token": session.token if session else secrets.token_urlsafe(32)}


def _foreign(ctx: ProbeContext) -> Headers | str:
    owner = ctx.any_session()
    if owner is None:
        return "needs a valid token (set privileged or under-privileged credentials)"
    other = ctx.under if owner is ctx.privileged and ctx.under else None
    return {"X-User-Id": other.user_id if other else f"rcContract{secrets.token_hex(6)}", "X-Auth-Token": owner.token}


def _revoked(ctx: ProbeContext) -> Headers | str:
    return ctx.revoked.headers() if ctx.revoked else ctx.revoked_reason


def _with_token(token: str | bytes) -> Callable[[ProbeContext], Headers]:
    return lambda ctx: {"X-User-Id": ctx.known_user_id, "X-Auth-Token": token}


PROBES: tuple[Probe, ...] = (
    Probe("privileged", "GET", _privileged),
    Probe("no-headers", "GET", lambda ctx: {}),
    Probe("user-id-only", "GET", lambda ctx: {"X-User-Id": ctx.known_user_id}),
    Probe("token-only", "GET", _token_only),
    Probe(
        "wrong-token", "GET", lambda ctx: {"X-User-Id": ctx.known_user_id, "X-Auth-Token": secrets.token_urlsafe(32)}
    ),
    Probe("foreign-token", "GET", _foreign),
    Probe("logged-out-token", "GET", _revoked),
    Probe("empty-values", "GET", _with_token(""), hostile=True),
    Probe("whitespace-values", "GET", _with_token(" \t  "), hostile=True),
    Probe("overlong-token", "GET", _with_token("A" * OVERLONG), hostile=True),
    Probe("non-ascii-token", "GET", _with_token(NON_ASCII), hostile=True),
    Probe(
        "injection-values",
        "GET",
        lambda ctx: {"X-User-Id": INJECTION[0], "X-Auth-Token": INJECTION[1]},
        hostile=True,
    ),
    Probe("under-privileged", "GET", _under),
    Probe("post-method", "POST", lambda ctx: ctx.privileged.headers() if ctx.privileged else {}),
)

BY_NAME = {probe.name: probe for probe in PROBES}
