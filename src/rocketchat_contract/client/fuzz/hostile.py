"""Hostile credential pairs drawn with Hypothesis: empty, blank, huge, non-ASCII, tab-laden, injection-like, or the
run's own mixed up (the pairs themselves: ``pairs.py``).
"""

from __future__ import annotations

from hypothesis import strategies as st

from rocketchat_contract.client.fuzz.config import Fuzz
from rocketchat_contract.client.fuzz.draw import draw
from rocketchat_contract.client.fuzz.pairs import (
    OTHER_ID,
    PRIVILEGED_ID,
    PRIVILEGED_TOKEN,
    REVOKED_ID,
    REVOKED_TOKEN,
    HostilePair,
)
from rocketchat_contract.client.probes import INJECTION, OVERLONG

BATCH = 8
"""Hostile pairs per drawn example."""


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


def draw_batches(fuzz: Fuzz) -> list[list[HostilePair]]:
    """One batch with one pair of each kind, then ``fuzz.examples`` drawn batches."""
    return draw(hostile_batches(), examples=fuzz.examples, seed_value=fuzz.seed, explicit=[list(CANONICAL_BATCH)])
