"""The judgements of the tests that ran, aggregated per clause for the summary table and the reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rocketchat_contract.contract.catalogue import Clause, contract
from rocketchat_contract.judge.verdicts import ORDER, Verdict, worst

if TYPE_CHECKING:  # the records' module loads the HTTP client's types; a report's reader needs none of them
    from rocketchat_contract.results.record import JudgementRecord


def partly_verified(clause: str, verdict: str, probes: list[tuple[str, str, str]]) -> str:
    """What a partly verified clause says of itself, from its verdict and its judgements' (probe, verdict, detail):
    the terminal table says it, and the reports from the fields they keep (``reports.notes``)."""
    missing = [probe for probe, judged, _ in probes if judged == Verdict.NOT_VERIFIED.value]
    reasons = {(detail.splitlines() or [""])[0] for _, judged, detail in probes if judged == Verdict.NOT_VERIFIED.value}
    why = f" ({'; '.join(sorted(reasons))})" if len(reasons) == 1 else ""
    total = len(probes)
    return (
        f"{clause} is {verdict} on {total - len(missing)} of its {total} probes; "
        f"not verified: {', '.join(missing)}{why}"
    )


@dataclass
class ClauseResult:
    clause: Clause
    judgements: list[JudgementRecord] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        return worst([j.verdict for j in self.judgements])

    @property
    def unverified_probes(self) -> list[str]:
        """Probes that could not be verified while the clause's verdict rests on its other probes."""
        if self.verdict is Verdict.NOT_VERIFIED:
            return []
        return [j.probe or self.clause.id for j in self.judgements if j.verdict is Verdict.NOT_VERIFIED]

    def partly_verified(self) -> str:
        """``auth.invalid is known-drift on 7 of its 8 probes; not verified: logged-out-token (needs a session …)``."""
        probes = [(j.probe or self.clause.id, j.verdict.value, j.detail) for j in self.judgements]
        return partly_verified(self.clause.id, self.verdict.value, probes)

    @property
    def detail(self) -> str:
        """One line per distinct outcome, naming the probes that share it (worst first)."""
        groups: dict[tuple[Verdict, str], list[str]] = {}
        for judgement in self.judgements:
            key = (judgement.verdict, judgement.drift or judgement.detail)
            groups.setdefault(key, []).append(judgement.probe or "")
        lines = []
        for (verdict, _), probes in sorted(groups.items(), key=lambda item: item[0][0].severity, reverse=True):
            example = next(j for j in self.judgements if j.verdict is verdict and (j.probe or "") == probes[0])
            named = [p for p in probes if p]
            prefix = f"[{', '.join(named)}] " if len(self.judgements) > 1 and named else ""
            lines.append(f"{prefix}{example.detail}")
        return "\n".join(lines)


@dataclass
class Ledger:
    judgements: list[JudgementRecord] = field(default_factory=list)

    def add(self, judgement: JudgementRecord) -> None:
        """Add a judgement once (a test re-run, e.g. by a rerun plugin, does not count twice)."""
        if judgement not in self.judgements:
            self.judgements.append(judgement)

    def results(self) -> list[ClauseResult]:
        """One result per clause of the catalogue that was judged, in catalogue order."""
        results = []
        for clause in contract().clauses:
            mine = [j for j in self.judgements if j.clause == clause.id]
            if mine:
                results.append(ClauseResult(clause, mine))
        return results

    def partly_verified(self) -> list[ClauseResult]:
        """Clauses whose verdict covers only some of their probes (the rest not verified)."""
        return [result for result in self.results() if result.unverified_probes]

    def counts(self) -> dict[str, int]:
        summary = {verdict.value: 0 for verdict in ORDER}
        for result in self.results():
            summary[result.verdict.value] += 1
        return summary
