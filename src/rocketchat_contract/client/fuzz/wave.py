"""The generated requests' part of the run's concurrent wave.

``draw_all`` runs in the run's main thread while another thread does the set-up (``/api/info``, logins): it
draws every request while the set-up waits on the network, or reads the requests an earlier run drew with the
same inputs from the cache folder (``cache.py``). Then ``submit`` sends them in the same wave as the probes,
so that Restivus's 0.5-1 s delays are paid once. After a cache hit schemathesis's OpenAPI layer, which the
schemathesis cases and their checks need, is imported while the set-up and then the probes and the hostile
credentials (``submit_hostile``) wait for the server; the cases (``submit_cases``) follow in the same wave.

Imports and draws stay in the main thread: pytest rewrites plugin packages (schemathesis's too) with ``ast``
on first import, and CPython 3.11's ``ast`` is not safe in two threads at once (gh-106905); the other threads
only send requests through modules already imported. Ctrl-C and SIGTERM wait for the imports and the draw
(``interrupt.deferred``): a KeyboardInterrupt inside schemathesis's import left a process that pytest ended with
status 2 to be killed by SIGINT as it exited.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rocketchat_contract.client import interrupt
from rocketchat_contract.client.fuzz.config import Fuzz
from rocketchat_contract.client.http import Client, Exchange
from rocketchat_contract.client.probes import ENDPOINT, ProbeContext

if TYPE_CHECKING:
    from rocketchat_contract.client.fuzz.cache import CaseData
    from rocketchat_contract.client.fuzz.pairs import HostilePair

MAX_PARALLEL = 64


@dataclass
class Drawn:
    """Every generated request of a run, drawn (or read from the cache) before any is sent."""

    fuzz: Fuzz
    fragment: dict[str, Any]
    """The fragment as the run loads it (with its --extra-drift entries)."""
    batches: list[list[HostilePair]]
    """Hostile credential pairs, naming the run's own credentials rather than holding them."""
    kept: list[CaseData] | None = None
    """The schemathesis cases as the cache keeps them, until ``schemathesis`` makes them."""
    cases: list[Any] | None = None
    """schemathesis cases of the fragment's operation, once made."""
    checks: list[Any] | None = None
    """schemathesis's checks to run on their answers, once loaded."""

    def schemathesis(self) -> tuple[list[Any], list[Any]]:
        """The schemathesis cases and their checks; made from the kept ones on first use (in the main thread:
        this imports schemathesis's OpenAPI layer)."""
        if self.cases is None or self.checks is None:
            with interrupt.deferred():  # schemathesis imports its OpenAPI layer here: never cut halfway
                from rocketchat_contract.client.fuzz.cases import cases_from, check_functions, draw_cases, load_schema

                schema = load_schema(self.fuzz, fragment=self.fragment)
                made = cases_from(schema, self.kept or [])
                self.cases = made if made is not None else draw_cases(self.fuzz, schema=schema)
                self.checks = check_functions()
        return self.cases, self.checks


def draw_all(fuzz: Fuzz, extra_drift: tuple[str, ...] = (), cache: Path | None = None) -> Drawn:
    """Draw every generated request (in the main thread only: this imports schemathesis and Hypothesis).

    With a ``cache`` folder, the requests an earlier draw with the same inputs kept there are sent instead of a
    fresh draw (the same requests: client/fuzz/cache.py), and a fresh draw is kept there for the next run."""
    from rocketchat_contract.client.fuzz import cache as kept
    from rocketchat_contract.contract.fragment import run_document

    fragment = run_document(extra_drift)
    key = kept.key(fragment, fuzz) if cache is not None else ""
    stored = kept.read(cache, key) if cache is not None else None
    if stored is not None:
        return Drawn(fuzz, fragment, stored.batches, kept=stored.cases)

    with interrupt.deferred():  # schemathesis and Hypothesis are imported here: never cut halfway
        from rocketchat_contract.client.fuzz.cases import check_functions, draw_cases, kept_cases, load_schema
        from rocketchat_contract.client.fuzz.hostile import draw_batches

        schema = load_schema(fuzz, fragment=fragment)
        cases = draw_cases(fuzz, schema=schema)
        batches = draw_batches(fuzz)
    if cache is not None and (plain := kept_cases(cases)) is not None:
        kept.write(cache, key, kept.Stored(plain, batches))
    return Drawn(fuzz, fragment, batches, cases=cases, checks=check_functions())


def submit_hostile(drawn: Drawn, pool: ThreadPoolExecutor, client: Client, ctx: ProbeContext) -> list[Future[Exchange]]:
    """Send the hostile credentials into ``pool`` with the run's sessions (no schemathesis needed)."""
    from rocketchat_contract.client.fuzz.pairs import hostile_requests

    return [
        pool.submit(client.send, "GET", ENDPOINT, probe=name, headers=headers)
        for headers, name in hostile_requests(drawn.batches, ctx)
    ]


def submit_cases(drawn: Drawn, pool: ThreadPoolExecutor, client: Client, ctx: ProbeContext) -> list[Future[Exchange]]:
    """Send the schemathesis cases into ``pool`` with the run's privileged pair (made first if they are not yet:
    main thread only)."""
    made, checks = drawn.schemathesis()
    from rocketchat_contract.client.fuzz.cases import send_case

    privileged = ctx.privileged.headers() if ctx.privileged else {}
    return [pool.submit(send_case, case, client, privileged, checks) for case in made]
