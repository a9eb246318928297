"""The generated requests' part of the run's concurrent wave.

``Preparation`` imports schemathesis and Hypothesis and draws every case in a background thread, started
before the run sends anything, so those imports overlap the server's answers (Restivus delays 401/403 by
0.5-1 s) instead of preceding them. ``submit`` then sends every generated request into the run's pool.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..http import Client, Exchange
from ..probes import ENDPOINT, ProbeContext
from .config import Fuzz

SCHEMATHESIS = "generated.schemathesis"
HOSTILE = "generated.hostile-credentials"
MAX_PARALLEL = 64


@dataclass
class Drawn:
    cases: list[Any]
    checks: list[Any]
    batches: list[Any]


class Preparation:
    """Imports and draws in a thread of its own; ``result`` waits for it (and re-raises what went wrong)."""

    def __init__(self, fuzz: Fuzz) -> None:
        self.fuzz = fuzz
        self._done = threading.Event()
        self._drawn: Drawn | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._prepare, name="generated-preparation", daemon=True).start()

    def _prepare(self) -> None:
        try:
            from .cases import check_functions, draw_cases
            from .hostile import draw_batches

            self._drawn = Drawn(draw_cases(self.fuzz), check_functions(), draw_batches(self.fuzz))
        except BaseException as exc:  # handed to the run's thread by result()
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> Drawn:
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._drawn is not None
        return self._drawn


def submit(
    preparation: Preparation, pool: ThreadPoolExecutor, client: Client, ctx: ProbeContext
) -> dict[str, list[Future[Exchange]]]:
    """Send every generated request into ``pool``; the futures by the clause that judges them."""
    from .cases import send_case
    from .hostile import hostile_requests

    drawn = preparation.result()
    privileged = ctx.privileged.headers() if ctx.privileged else {}
    schemathesis: list[Future[Exchange]] = [
        pool.submit(send_case, case, client, privileged, drawn.checks) for case in drawn.cases
    ]
    hostile = [
        pool.submit(client.send, "GET", ENDPOINT, probe=name, headers=headers)
        for headers, name in hostile_requests(drawn.batches, ctx)
    ]
    return {SCHEMATHESIS: schemathesis, HOSTILE: hostile}
