"""The four verdicts a clause can end with, and one judged clause."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .contract import DriftEntry
    from .http import Exchange


class Verdict(StrEnum):
    CONFORMS = "conforms"
    KNOWN_DRIFT = "known-drift"
    VIOLATION = "violation"
    NOT_VERIFIED = "not-verified"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Verdict.CONFORMS: 0, Verdict.NOT_VERIFIED: 1, Verdict.KNOWN_DRIFT: 2, Verdict.VIOLATION: 3}


@dataclass
class Judgement:
    """One clause judged on one probe (or on all of them, for the clauses that look across probes)."""

    clause: str
    probe: str | None
    verdict: Verdict
    detail: str
    drift: DriftEntry | None = None
    evidence: list[Exchange] = field(default_factory=list)


def worst(verdicts: list[Verdict]) -> Verdict:
    """Return the verdict a clause gets from its probes: the most severe one."""
    return max(verdicts, key=lambda v: v.severity, default=Verdict.NOT_VERIFIED)
