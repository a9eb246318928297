"""Hostile credential pairs: empty, blank, huge, non-ASCII, tab-laden, injection-like, or the run's own mixed up.

A pair names the run's credentials (``Ref``) instead of holding them, so that nothing drawn ever shows a secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from hypothesis import strategies as st

from rocketchat_contract.client.fuzz.config import Fuzz
from rocketchat_contract.client.fuzz.draw import draw
from rocketchat_contract.client.probes import INJECTION, OVERLONG, ProbeContext

BATCH = 8
"""Hostile pairs per drawn example."""
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


_TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_PRINTABLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
_NON_ASCII = st.characters(min_codepoint=0xA0, max_codepoint=0x2FFFF, exclude_categories=["Cs"])


def _repeated(text: str, size: int) -> str:
    """``text`` repeated to ``size`` characters: a long printable value without drawing every character."""
    return (text * (size // len(text) + 1))[:size]


def hostile_values() -> st.SearchStrategy[str | bytes]:
    """One hostile credential value: empty, blank, huge, non-ASCII, tab-laden, injection-like or random."""
    return st.one_of(
        st.just(""),
        st.text(alphabet=" \t", min_size=1, max_size=8),
        st.integers(min_value=1024, max_value=OVERLONG).map(lambda n: "A" * n),
        st.builds(_repeated, st.text(alphabet=_PRINTABLE, min_size=1, max_size=32), st.integers(256, OVERLONG)),
        st.text(_NON_ASCII, min_size=1, max_size=64).map(lambda text: text.encode("utf-8")),
        st.tuples(st.text(alphabet=_PRINTABLE, max_size=12), st.text(alphabet=_PRINTABLE, max_size=12)).map(
            lambda parts: f"{parts[0]}\t{parts[1]}"
        ),
        st.sampled_from((*INJECTION, "../", "../../etc/passwd", '{"$gt": ""}', "null", "undefined", "*")),
        st.text(alphabet=_TOKEN_ALPHABET, min_size=17, max_size=64),
    )


def hostile_headers() -> st.SearchStrategy[HostilePair]:
    """A hostile credential pair; never a valid one (the run's own pairs are only ever split or mixed)."""
    hostile_or_absent = st.one_of(st.none(), hostile_values())
    return st.one_of(
        st.builds(HostilePair, hostile_or_absent, hostile_or_absent),
        st.builds(HostilePair, st.sampled_from((PRIVILEGED_ID, OTHER_ID)), hostile_or_absent),
        st.builds(HostilePair, hostile_or_absent, st.just(PRIVILEGED_TOKEN)),
        st.just(HostilePair(OTHER_ID, PRIVILEGED_TOKEN)),
        st.just(HostilePair(REVOKED_ID, REVOKED_TOKEN)),
    )


def hostile_batches() -> st.SearchStrategy[list[HostilePair]]:
    return st.lists(hostile_headers(), min_size=BATCH, max_size=BATCH)


CANONICAL_BATCH: tuple[HostilePair, ...] = (
    HostilePair(None, None),
    HostilePair(PRIVILEGED_ID, None),
    HostilePair(PRIVILEGED_ID, ""),
    HostilePair(PRIVILEGED_ID, " \t "),
    HostilePair(PRIVILEGED_ID, "A" * OVERLONG),
    HostilePair(PRIVILEGED_ID, "tökén-🔑".encode()),
    HostilePair(INJECTION[0], INJECTION[1]),
    HostilePair("../", PRIVILEGED_TOKEN),
    HostilePair(OTHER_ID, PRIVILEGED_TOKEN),
    HostilePair(REVOKED_ID, REVOKED_TOKEN),
)
"""One of each kind, sent as an explicit example before anything is drawn."""


def valid_pairs(ctx: ProbeContext) -> set[tuple[str, str]]:
    """The credential pairs that authenticate, so a drawn pair that happens to be one is not sent as hostile."""
    return {(s.user_id, s.token) for s in (ctx.privileged, ctx.under) if s is not None}


def draw_batches(fuzz: Fuzz) -> list[list[HostilePair]]:
    """One batch with one pair of each kind, then ``fuzz.examples`` drawn batches."""
    return draw(hostile_batches(), examples=fuzz.examples, seed_value=fuzz.seed, explicit=[list(CANONICAL_BATCH)])


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
