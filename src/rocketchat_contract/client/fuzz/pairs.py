"""Hostile credential pairs as data: what a pair names and sends, without Hypothesis (a run whose pairs come from
the cache folder never imports it; ``hostile.py`` draws them).

A pair names the run's credentials (``Ref``) instead of holding them, so that nothing drawn ever shows a secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from rocketchat_contract.client.probes import ProbeContext

Headers = dict[str, str | bytes]


@dataclass(frozen=True)
class Ref:
    """A credential of the run, named rather than shown, so that Hypothesis never prints a secret."""

    name: str

    def __repr__(self) -> str:
        return f"Ref({self.name!r})"


Value = str | bytes | Ref | None
"""A header value: literal, a credential of the run, or None for a header left out."""

PRIVILEGED_ID, PRIVILEGED_TOKEN = Ref("privileged.user_id"), Ref("privileged.token")
OTHER_ID = Ref("under-privileged.user_id")
REVOKED_ID, REVOKED_TOKEN = Ref("revoked.user_id"), Ref("revoked.token")
REFS = {ref.name: ref for ref in (PRIVILEGED_ID, PRIVILEGED_TOKEN, OTHER_ID, REVOKED_ID, REVOKED_TOKEN)}
"""Every credential a pair may name, by name (a kept draw names them: client/fuzz/cache.py)."""


@dataclass(frozen=True, repr=False)
class HostilePair:
    """The X-User-Id and X-Auth-Token of one hostile request."""

    user_id: Value
    token: Value

    def headers(self, ctx: ProbeContext, fallback: Mapping[str, str]) -> Headers:
        resolved = {
            "X-User-Id": resolve(self.user_id, ctx, fallback),
            "X-Auth-Token": resolve(self.token, ctx, fallback),
        }
        return {name: value for name, value in resolved.items() if value is not None}

    def describe(self) -> str:
        return f"X-User-Id={_show(self.user_id)}, X-Auth-Token={_show(self.token)}"

    def __repr__(self) -> str:
        return f"HostilePair({self.describe()})"


def _show(value: Value) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, Ref):
        return f"<{value.name}>"
    text = value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value
    return repr(text) if len(text) <= 40 else f"{text[:16]!r}… ({len(text)} characters)"


def fallbacks() -> dict[str, str]:
    """Random stand-ins for credentials the run lacks, drawn once per run so that a pair always sends the same."""
    return {"user_id": f"rcContract{secrets.token_hex(6)}", "token": secrets.token_urlsafe(32)}


def resolve(value: Value, ctx: ProbeContext, fallback: Mapping[str, str]) -> str | bytes | None:
    """The value to send; a credential the run lacks falls back to one that exists (or a random one)."""
    if not isinstance(value, Ref):
        return value
    sessions = {
        "privileged": ctx.privileged or ctx.under,
        "under-privileged": ctx.under or ctx.privileged,
        "revoked": ctx.revoked,
    }
    role, attribute = value.name.split(".")
    session = sessions[role]
    if session is None:
        return fallback[attribute]
    return str(getattr(session, attribute))


def valid_pairs(ctx: ProbeContext) -> set[tuple[str, str]]:
    """The credential pairs that authenticate, so a drawn pair that happens to be one is not sent as hostile."""
    return {(s.user_id, s.token) for s in (ctx.privileged, ctx.under) if s is not None}


def hostile_requests(batches: list[list[HostilePair]], ctx: ProbeContext) -> list[tuple[Headers, str]]:
    """The requests of the drawn pairs, (headers, probe name); a pair that happens to authenticate is left out."""
    fallback = fallbacks()
    valid = valid_pairs(ctx)
    requests = []
    for batch in batches:
        for pair in batch:
            headers = pair.headers(ctx, fallback)
            if (headers.get("X-User-Id"), headers.get("X-Auth-Token")) not in valid:
                requests.append((headers, f"hostile {pair.describe()}"))
    return requests
