"""The four verdicts a clause can end with (each with its label, icon and rank), and one judged clause."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rocketchat_contract.client.http import Exchange
    from rocketchat_contract.client.observations import Observation
    from rocketchat_contract.contract.catalogue import DriftEntry


class Verdict(StrEnum):
    CONFORMS = "conforms"
    KNOWN_DRIFT = "known-drift"
    VIOLATION = "violation"
    NOT_VERIFIED = "not-verified"

    @property
    def label(self) -> str:
        """The words a verdict is shown with in reports (never colour or an icon alone)."""
        return _LABEL[self]

    @property
    def shout(self) -> str:
        """The label of the terminal table, in capitals where the verdict needs attention."""
        return self.label if self in (Verdict.CONFORMS, Verdict.NOT_VERIFIED) else self.label.upper()

    @property
    def icon(self) -> str:
        return _ICON[self]

    @property
    def mark(self) -> str:
        """A one-character mark for the HTML page."""
        return _MARK[self]

    @property
    def legend(self) -> str:
        return _LEGEND[self]

    @property
    def rank(self) -> int:
        """How bad the verdict is for the operator: 0 conforms, 1 known drift or not verified, 2 violation.

        A change to a higher rank is a regression (``rocketchat-contract diff``). Known drift and not
        verified share a rank: neither is worse than the other.
        """
        return _RANK[self]

    @property
    def severity(self) -> tuple[int, bool]:
        """The order findings are aggregated and listed in, worst last: by rank, then a known drift above
        not verified, as it is a finding where not verified is the lack of one."""
        return self.rank, self is Verdict.KNOWN_DRIFT


_LABEL = {
    Verdict.CONFORMS: "conforms",
    Verdict.KNOWN_DRIFT: "known drift",
    Verdict.VIOLATION: "violation",
    Verdict.NOT_VERIFIED: "not verified",
}
_ICON = {Verdict.CONFORMS: "✅", Verdict.KNOWN_DRIFT: "⚠️", Verdict.VIOLATION: "❌", Verdict.NOT_VERIFIED: "❔"}
_MARK = {Verdict.CONFORMS: "✓", Verdict.KNOWN_DRIFT: "!", Verdict.VIOLATION: "✗", Verdict.NOT_VERIFIED: "?"}
_RANK = {Verdict.CONFORMS: 0, Verdict.KNOWN_DRIFT: 1, Verdict.NOT_VERIFIED: 1, Verdict.VIOLATION: 2}
_LEGEND = {
    Verdict.CONFORMS: "the server answers as the documentation page says.",
    Verdict.KNOWN_DRIFT: "the server differs from the documentation exactly as this Rocket.Chat version is known "
    "to (a drift entry names the difference and its source).",
    Verdict.VIOLATION: "the server differs from the documentation in a way no known drift of this version explains.",
    Verdict.NOT_VERIFIED: "the clause could not be judged on this run; the detail says what would let it be.",
}
ORDER = (Verdict.CONFORMS, Verdict.KNOWN_DRIFT, Verdict.VIOLATION, Verdict.NOT_VERIFIED)
"""The order verdicts are listed in (counts, legends)."""


def verdict_of(value: str) -> Verdict | None:
    """The verdict named ``value``, or None for a name no verdict has (e.g. in a foreign report)."""
    try:
        return Verdict(value)
    except ValueError:
        return None


@dataclass
class Judgement:
    """One clause judged on one probe (or on all of them, for the clauses that look across probes)."""

    clause: str
    probe: str | None
    verdict: Verdict
    detail: str
    drift: DriftEntry | None = None
    evidence: list[Exchange] = field(default_factory=list)
    parts: list[Judgement] = field(default_factory=list)
    """For a clause judged on many answers (the generated requests), the answers it did not accept, each judged."""
    observed: dict[str, Observation] = field(default_factory=dict)
    """Everything the clause was judged on, by name (set by ``Judge.judge_clause``), so a report can re-judge it."""


def worst(verdicts: list[Verdict]) -> Verdict:
    """Return the verdict a clause gets from its probes: the most severe (``Verdict.severity``)."""
    return max(verdicts, key=lambda v: v.severity, default=Verdict.NOT_VERIFIED)
