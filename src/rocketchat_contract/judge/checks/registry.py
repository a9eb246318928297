"""The checks of clauses, by the name ``check`` has in clauses.yaml.

The names must match the enum of ``check`` in schemas/meta/clauses.schema.json (a self-test compares them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rocketchat_contract.client.observations import Observation
from rocketchat_contract.contract.catalogue import Clause
from rocketchat_contract.judge.context import Judging
from rocketchat_contract.judge.verdicts import Judgement

Check = Callable[[Judging, Clause, Mapping[str, Observation]], Judgement]
REGISTRY: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    """Register a check under ``name``, the value of ``check`` in clauses.yaml."""

    def register(function: Check) -> Check:
        known = REGISTRY.get(name)
        assert known is None or known.__qualname__ == function.__qualname__, f"check {name} registered twice"
        REGISTRY[name] = function
        return function

    return register
