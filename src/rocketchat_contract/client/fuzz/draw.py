"""Draw values from a Hypothesis strategy reproducibly: a fixed seed, a fixed count, explicit examples first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from rocketchat_contract.client import interrupt

T = TypeVar("T")


def draw(strategy: st.SearchStrategy[T], *, examples: int, seed_value: int, explicit: Sequence[T] = ()) -> list[T]:
    """``explicit`` followed by up to ``examples`` values drawn from ``strategy`` with ``seed_value``."""
    drawn: list[T] = list(explicit)

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @seed(seed_value)
    @given(strategy)
    def collect(value: T) -> None:
        drawn.append(value)

    collect()
    interrupt.check()  # an interrupt lost while drawing (client/interrupt.py) stops the run here
    return drawn
