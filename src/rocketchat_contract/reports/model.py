"""The report as data: what the JSON report holds and the other formats render."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import rfc8785

from rocketchat_contract import __version__
from rocketchat_contract.client.fuzz.config import HOSTILE, SCHEMATHESIS
from rocketchat_contract.contract.catalogue import judging
from rocketchat_contract.reports.load import COMPLIANCE
from rocketchat_contract.reports.outcome import outcome
from rocketchat_contract.results.ledger import Ledger
from rocketchat_contract.results.record import RunRecord
from rocketchat_contract.results.registry import registry


def build_report(run: RunRecord, ledger: Ledger, *, strict_docs: bool) -> dict[str, Any]:
    """Return the report document (valid against schemas/reports/compliance-report.schema.json).

    The run and the ledger are redacted already (see record.py); nothing here sees a secret.
    """
    entries = {entry.id: entry for entry in judging(run.extra_drift)[0].drift}
    clauses = []
    for result in ledger.results():
        drift = next((entries[j.drift] for j in result.judgements if j.drift), None)
        # The observations the clause's judgements rest on, by id (each once, in the order they were judged).
        evidence = list(dict.fromkeys(name for judgement in result.judgements for name in judgement.evidence))
        clauses.append(
            {
                "id": result.clause.id,
                "title": result.clause.title,
                "statement": result.clause.statement,
                "source": result.clause.source,
                "verdict": result.verdict.value,
                "detail": result.detail,
                "probes": [
                    *(
                        {"probe": j.probe, "verdict": j.verdict.value, "detail": j.detail}
                        for j in result.judgements
                        if j.probe
                    ),
                    *(part for j in result.judgements for part in j.parts),
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
                    "origin": drift.origin,
                },
                "evidence": evidence,
            }
        )
    document = {
        **COMPLIANCE.head(),
        "target": run.target,
        "base_url": run.base_url,
        "embedded_profile": run.embedded,
        "server_version": run.server_version,
        "judged_as": run.judged_as,
        "era": run.era,
        "suite_version": __version__,
        "started_at": run.started_at,
        "strict_docs": strict_docs,
        "notes": list(run.notes),
        "clauses": clauses,
        "summary": {**ledger.counts(), "partly-verified": len(ledger.partly_verified())},
        "partly_verified": {result.clause.id: result.unverified_probes for result in ledger.partly_verified()},
        **({"aborted": run.error} if run.error else {}),
        "selection": run.selection,
        "rejudged": run.rejudged,
        "registry": registry(run.extra_drift),
        "observations": _observations(ledger),
    }
    document = _well_formed(document)
    document["outcome"] = outcome(document).as_json()
    return {**document, "digest": digest(document)}


def digest(document: dict[str, Any]) -> str:
    """The sha256 of a report's canonical JSON (RFC 8785) without its ``digest``: a hand edit no longer matches
    it. It has no key, so anyone who edits a report can compute it again: it finds accidents, not forgers.

    Raises ``rfc8785.CanonicalizationError`` for a document that is not I-JSON (which ``build_report`` never
    writes)."""
    rest = {key: value for key, value in document.items() if key != "digest"}
    return hashlib.sha256(rfc8785.dumps(rest)).hexdigest()


def _well_formed(value: Any) -> Any:
    """``value`` with every lone surrogate (a JSON escape like ``\\ud800`` in a server's body, quoted in a
    detail) replaced by U+FFFD, so the report is valid UTF-8 and has a canonical form. Bodies that are not
    I-JSON are kept as text already (``results.evidence``)."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_well_formed(key): _well_formed(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_well_formed(item) for item in value]
    return value


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""Python strings hold surrogates only when lone (a JSON escape decoded alone); UTF-8 cannot carry them."""


def _observations(ledger: Ledger) -> dict[str, Any]:
    """Everything the judgements were judged on, once each: the probes by name, the generated requests by clause."""
    probes: dict[str, Any] = {}
    generated: dict[str, dict[str, Any]] = {}
    # The clause that looked at every probe first: the probes keep the order the run observed them in.
    for judgement in sorted(ledger.judgements, key=lambda j: -len(j.observed)):
        into = generated.setdefault(judgement.clause, {}) if judgement.clause in (SCHEMATHESIS, HOSTILE) else probes
        into.update(judgement.observed)
    return {"probes": probes, "generated": generated}
