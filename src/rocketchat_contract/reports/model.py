"""The report as data: what the JSON report holds and the other formats render."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..explain import describe_partly_verified
from ..ledger import Ledger
from ..run import ContractRun
from ..summary import describe_target


def build_report(run: ContractRun, ledger: Ledger, *, strict_docs: bool) -> dict[str, Any]:
    """Return the report document (valid against schemas/reports/compliance-report.schema.json)."""
    placement = run.placement
    clauses = []
    for result in ledger.results():
        drift = next((j.drift for j in result.judgements if j.drift), None)
        evidence: list[dict[str, Any]] = []
        seen: set[int] = set()
        for judgement in result.judgements:
            for exchange in judgement.evidence:
                if id(exchange) not in seen:
                    seen.add(id(exchange))
                    evidence.append(exchange.evidence(run.redactor))
        clauses.append(
            {
                "id": result.clause.id,
                "title": result.clause.title,
                "statement": result.clause.statement,
                "source": result.clause.source,
                "verdict": result.verdict.value,
                "detail": run.redactor.text(result.detail),
                "probes": [
                    {"probe": j.probe, "verdict": j.verdict.value, "detail": run.redactor.text(j.detail)}
                    for j in result.judgements
                    if j.probe
                ],
                "drift": None
                if drift is None
                else {
                    "id": drift.id,
                    "versions": drift.versions,
                    "summary": drift.summary,
                    "source": drift.source,
                    "uncertain": drift.uncertain,
                    "outcome": drift.outcome,
                    "remedy": drift.remedy,
                    "instead": {"status": drift.instead.status, "schema": drift.instead.schema},
                },
                "evidence": evidence,
            }
        )
    return {
        "target": run.redactor.text(describe_target(run)),
        "base_url": run.settings.base_url,
        "server_version": str(placement.reported) if placement else None,
        "judged_as": str(placement.judged_as) if placement else None,
        "era": placement.era.id if placement else None,
        "suite_version": __version__,
        "started_at": run.started_at,
        "strict_docs": strict_docs,
        "notes": [run.redactor.text(n) for n in [*_aborted_note(run), *run.notes, *_partly_notes(ledger)]],
        "clauses": clauses,
        "summary": {**ledger.counts(), "partly-verified": len(ledger.partly_verified())},
        **({"aborted": run.redactor.text(run.aborted)} if run.aborted else {}),
    }


def _partly_notes(ledger: Ledger) -> list[str]:
    return [f"Partly verified: {describe_partly_verified(result)}" for result in ledger.partly_verified()]


def _aborted_note(run: ContractRun) -> list[str]:
    """A run that stopped before judging says why first, so an empty report is never mistaken for a clean one."""
    return [f"Nothing was judged: the run stopped before its probes ({run.aborted})"] if run.aborted else []
