"""What a check or an expectation needs of the judge that calls it.

A Protocol rather than the Judge itself: the Judge dispatches to the checks and expectations, so they must
not import it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from rocketchat_contract.client.http import Exchange
from rocketchat_contract.client.observations import Observation
from rocketchat_contract.client.redact import Redactor
from rocketchat_contract.contract.catalogue import Clause, Contract
from rocketchat_contract.contract.schemas import SchemaStore
from rocketchat_contract.contract.versions import Eras, Placement
from rocketchat_contract.judge.verdicts import Judgement, Verdict


class Judging(Protocol):
    """The run's contract, schemas and placement, its redactor, and the judging of another clause."""

    contract: Contract
    schemas: SchemaStore
    eras: Eras
    placement: Placement
    redactor: Redactor

    def judge(self, clause_id: str, observations: Mapping[str, Observation], probe: str | None = None) -> Judgement:
        """Judge one clause (on ``probe`` for a clause with an expectation)."""
        ...

    def verdict(
        self, clause: Clause, probe: str | None, verdict: Verdict, detail: str, *evidence: Exchange
    ) -> Judgement:
        """A judgement with its detail redacted."""
        ...
