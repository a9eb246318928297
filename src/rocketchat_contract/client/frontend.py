"""Tell a front end's own answer (a proxy's header-size page, a WAF's 403, a gateway's 502) from Rocket.Chat's.

Rocket.Chat answers every error of its REST API with JSON. A reverse proxy, load balancer or web
application firewall in front of it answers its own refusals with an HTML (or text, or empty) page and a
status of its own: 400 for an oversized header, 403 from a WAF, 413/414/431/494 for sizes, 502/503/504
when the server behind it does not answer. Such a page on a request whose input a front end plausibly
refuses (a huge, non-ASCII, blank or injection-like credential) says nothing about Rocket.Chat, so the
clause is *not verified* rather than violated. A JSON answer is always Rocket.Chat's and judged as usual,
and a front-end page on a plain request (valid or merely wrong credentials) is still a violation: no
front end has a reason to refuse those.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rocketchat_contract.client.http import TRANSIENT_STATUSES, Exchange
from rocketchat_contract.client.printable import printable
from rocketchat_contract.client.probes import PROBES

SIZE_STATUSES = frozenset({400, 413, 414, 431, 494})
FRONT_END_STATUSES = SIZE_STATUSES | {403} | TRANSIENT_STATUSES
HEADER_ONLY_STATUSES = frozenset({431, 494})
"""Statuses only an HTTP layer sends (never Rocket.Chat's API), whatever the body."""
LARGE = 1024
"""Header values from this length up are ones a front end may refuse as too large."""
INJECTION_LIKE = re.compile(r"[$'\"{}<>;\\*`]|\.\./")

HOSTILE_PROBES = frozenset(probe.name for probe in PROBES if probe.hostile)
"""Hand-written probes whose input a front end may refuse."""
PLAIN_PROBES = frozenset(probe.name for probe in PROBES if not probe.hostile)
"""Hand-written probes no front end has a reason to refuse: a front-end page on them stays a violation."""

_TITLE = re.compile(r"<title>\s*(.*?)\s*</title>", re.IGNORECASE | re.DOTALL)


def is_front_end_page(exchange: Exchange) -> bool:
    """A page with a status front ends use for their own refusals, and not Rocket.Chat's JSON (nor a body past
    the cap: no front end sends its refusal at that length)."""
    if exchange.error or exchange.larger_than is not None or exchange.status not in FRONT_END_STATUSES:
        return False
    return exchange.status in HEADER_ONLY_STATUSES or not exchange.is_json


def hostile_input(headers: Mapping[str, str | bytes]) -> str | None:
    """Describe what in the request a front end might refuse, or None for ordinary values."""
    for name, value in headers.items():
        raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
        if len(raw) >= LARGE:
            return f"an {name} of {len(raw)} bytes"
        if any(byte > 0x7E for byte in raw):
            return f"non-ASCII bytes in {name}"
        text = raw.decode("latin-1")
        if not text.strip() or any(ch < " " for ch in text):
            return f"a blank or control-character {name}"
        if INJECTION_LIKE.search(text):
            return f"injection-like characters in {name}"
    return None


def page_title(exchange: Exchange) -> str:
    """The title of an HTML page, or the first line of a text one (shortened, escaped), or ``""``."""
    match = _TITLE.search(exchange.body_text[:4096])
    text = match.group(1) if match else exchange.body_text.strip().split("\n", 1)[0]
    text = " ".join(text.split())
    return printable(text[:80]) + ("…" if len(text) > 80 else "")


def _answer(exchange: Exchange) -> str:
    title = page_title(exchange)
    media = printable(exchange.media_type or "without Content-Type")
    return f"{exchange.status} {media}" + (f' ("{title}")' if title else "")


def _remedy(status: int, what: str) -> str:
    if status in SIZE_STATUSES and what.endswith(" bytes"):
        return "test Rocket.Chat directly or raise the proxy's header limit (nginx: large_client_header_buffers)"
    if status in SIZE_STATUSES - {400}:
        return "test Rocket.Chat directly or raise the proxy's request size limits"
    if status == 403:
        return "test Rocket.Chat directly or exempt the endpoint's credential headers from the firewall rule"
    return "test Rocket.Chat directly (without the front end)"


def front_end_refusal(exchange: Exchange, probe: str | None) -> str | None:
    """The not-verified reason when a front end, not Rocket.Chat, answered this request; else None."""
    if not is_front_end_page(exchange) or probe in PLAIN_PROBES:
        return None
    what = hostile_input(exchange.request_headers)
    if what is None and probe in HOSTILE_PROBES:
        what = f"the {probe} probe's credentials"
    if what is None:
        return None
    assert exchange.status is not None
    if exchange.status in TRANSIENT_STATUSES:
        return (
            f"a front end answered {_answer(exchange)} in place of Rocket.Chat for a request with {what}, "
            f"also when tried again ({exchange.attempts} tries): the server behind it gave no answer it could "
            "pass on; to verify, test Rocket.Chat directly and look for this request in its log"
        )
    return (
        f"a front end answered {_answer(exchange)} before Rocket.Chat saw the request ({what}); "
        f"to verify, {_remedy(exchange.status, what)}"
    )


def unavailable(exchange: Exchange) -> str | None:
    """Why the server counts as unavailable after this exchange (no answer, or a gateway's 502/503/504)."""
    if exchange.error:
        return f"{exchange.method} {exchange.url} failed: {exchange.error}"
    if exchange.status in TRANSIENT_STATUSES and not exchange.is_json:
        tries = f" on each of {exchange.attempts} tries over {exchange.elapsed:.1f} s" if exchange.attempts > 1 else ""
        return (
            f"{exchange.method} {exchange.url} answered {_answer(exchange)}{tries}: a front end is up but the "
            "Rocket.Chat behind it is not answering (restarting, or down); try again once it is up"
        )
    return None


def server_unavailable(observations: Iterable[object]) -> str | None:
    """The first request of a run that shows the server down, ignoring hostile input a front end refused."""
    for exchange in observations:
        if not isinstance(exchange, Exchange):
            continue
        if exchange.probe not in PLAIN_PROBES and hostile_input(exchange.request_headers) is not None:
            continue
        if exchange.probe in HOSTILE_PROBES:
            continue
        if (why := unavailable(exchange)) is not None:
            return f"server unavailable: {why}"
    return None
