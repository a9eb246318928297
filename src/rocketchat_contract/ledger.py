"""Every judgement of a run, aggregated per clause for the summary table and the reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from .contract import Clause, contract
from .verdicts import Judgement, Verdict, worst


@dataclass
class ClauseResult:
    clause: Clause
    judgements: list[Judgement] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        return worst([j.verdict for j in self.judgements])

    @property
    def detail(self) -> str:
        if len(self.judgements) == 1:
            return self.judgements[0].detail
        return "\n".join(f"[{j.probe}] {j.verdict}: {j.detail}" for j in self.judgements)


@dataclass
class Ledger:
    judgements: list[Judgement] = field(default_factory=list)

    def add(self, judgement: Judgement) -> None:
        self.judgements.append(judgement)

    def results(self) -> list[ClauseResult]:
        """One result per clause of the catalogue that was judged, in catalogue order."""
        results = []
        for clause in contract().clauses:
            mine = [j for j in self.judgements if j.clause == clause.id]
            if mine:
                results.append(ClauseResult(clause, mine))
        return results

    def counts(self) -> dict[str, int]:
        summary = {verdict.value: 0 for verdict in Verdict}
        for result in self.results():
            summary[result.verdict.value] += 1
        return summary
