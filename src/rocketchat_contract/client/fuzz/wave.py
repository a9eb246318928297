"""The generated requests' part of the run's concurrent wave.

``draw_all`` runs in the run's main thread while another thread does the set-up (``/api/info``, logins):
it imports schemathesis's OpenAPI layer and draws every request while the set-up waits on the network. Then
``submit`` sends them in the same wave as the probes, so that Restivus's 0.5-1 s delays are paid once.
Imports and draws stay in the main thread: pytest rewrites plugin packages (schemathesis's too) with ``ast``
on first import, and CPython 3.11's ``ast`` is not safe in two threads at once (gh-106905); the set-up
thread only sends requests through modules already imported.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rocketchat_contract.client.fuzz.config import Fuzz
from rocketchat_contract.client.http import Client, Exchange
from rocketchat_contract.client.probes import ENDPOINT, ProbeContext

if TYPE_CHECKING:
    from rocketchat_contract.client.fuzz.hostile import HostilePair

SCHEMATHESIS = "generated.schemathesis"
HOSTILE = "generated.hostile-credentials"
MAX_PARALLEL = 64


@dataclass(frozen=True)
class Drawn:
    """Every generated request of a run, drawn before any is sent."""

    cases: list[Any]
    """schemathesis cases of the fragment's operation."""
    checks: list[Any]
    """schemathesis's checks to run on their answers."""
    batches: list[list[HostilePair]]
    """Hostile credential pairs, naming the run's own credentials rather than holding them."""


def draw_all(fuzz: Fuzz, extra_drift: tuple[str, ...] = (), cache: Path | None = None) -> Drawn:
    """Import schemathesis and Hypothesis and draw every generated request (in the main thread only).

    With a ``cache`` folder, the requests an earlier draw with the same inputs kept there are sent instead of a
    fresh draw (the same requests: client/fuzz/cache.py), and a fresh draw is kept there for the next run."""
    from rocketchat_contract.client.fuzz import cache as kept
    from rocketchat_contract.client.fuzz.cases import (
        cases_from,
        check_functions,
        draw_cases,
        fragment_document,
        kept_cases,
        load_schema,
    )
    from rocketchat_contract.client.fuzz.hostile import draw_batches

    fragment = fragment_document(extra_drift)
    schema = load_schema(fuzz, extra_drift, fragment)
    key = kept.key(fragment, fuzz) if cache is not None else ""
    stored = kept.read(cache, key) if cache is not None else None
    if stored is not None and (cases := cases_from(schema, stored.cases)) is not None:
        return Drawn(cases, check_functions(), stored.batches)
    cases = draw_cases(fuzz, extra_drift, schema)
    batches = draw_batches(fuzz)
    if cache is not None and (plain := kept_cases(cases)) is not None:
        kept.write(cache, key, kept.Stored(plain, batches))
    return Drawn(cases, check_functions(), batches)


def submit(
    drawn: Drawn, pool: ThreadPoolExecutor, client: Client, ctx: ProbeContext
) -> dict[str, list[Future[Exchange]]]:
    """Send the drawn requests into ``pool`` with the run's sessions; the futures by the clause that judges them."""
    from rocketchat_contract.client.fuzz.cases import send_case
    from rocketchat_contract.client.fuzz.hostile import hostile_requests

    privileged = ctx.privileged.headers() if ctx.privileged else {}
    hostile: list[Future[Exchange]] = [
        pool.submit(client.send, "GET", ENDPOINT, probe=name, headers=headers)
        for headers, name in hostile_requests(drawn.batches, ctx)
    ]
    cases: list[Future[Exchange]] = [
        pool.submit(send_case, case, client, privileged, drawn.checks) for case in drawn.cases
    ]
    return {SCHEMATHESIS: cases, HOSTILE: hostile}
