"""The generated requests' part of the run's concurrent wave.

``submit`` runs in the run's main thread once the probes are in flight: it imports schemathesis and
Hypothesis and draws every request while the server holds the probes' answers (Restivus delays 401/403 by
0.5-1 s), then sends the generated requests into the same pool. Imports and draws stay in the main thread:
pytest rewrites plugin packages (schemathesis's too) with ``ast`` on first import, and CPython 3.11's ``ast``
is not safe in two threads at once (gh-106905).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from ..http import Client, Exchange
from ..probes import ENDPOINT, ProbeContext
from .config import Fuzz

SCHEMATHESIS = "generated.schemathesis"
HOSTILE = "generated.hostile-credentials"
MAX_PARALLEL = 64


def submit(
    fuzz: Fuzz, pool: ThreadPoolExecutor, client: Client, ctx: ProbeContext, extra_drift: tuple[str, ...] = ()
) -> dict[str, list[Future[Exchange]]]:
    """Draw every generated request and send it into ``pool``; the futures by the clause that judges them."""
    from .cases import check_functions, draw_cases, send_case
    from .hostile import draw_batches, hostile_requests

    privileged = ctx.privileged.headers() if ctx.privileged else {}
    # Everything is drawn before anything is sent, so the generated requests form one round of delays.
    hostile_drawn = hostile_requests(draw_batches(fuzz), ctx)
    cases, checks = draw_cases(fuzz, extra_drift), check_functions()
    hostile: list[Future[Exchange]] = [
        pool.submit(client.send, "GET", ENDPOINT, probe=name, headers=headers) for headers, name in hostile_drawn
    ]
    schemathesis: list[Future[Exchange]] = [pool.submit(send_case, case, client, privileged, checks) for case in cases]
    return {SCHEMATHESIS: schemathesis, HOSTILE: hostile}
