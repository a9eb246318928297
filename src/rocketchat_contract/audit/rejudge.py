"""Judging a report's recorded exchanges again with today's registry, offline.

Nothing is sent: the observations are rebuilt from the report (``results.evidence``) and judged by the same
Judge a live run uses, placed by the report's server version (or a release named instead), for the clauses the
run was asked to judge (its ``selection``). A report whose exchanges went elsewhere than its ``base_url`` is
refused: its evidence is not about the server it names. The re-judged report says it was re-judged, when and
from which report (``rejudged``: that report's digest), so it is never taken for a live run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rocketchat_contract.audit.binding import elsewhere
from rocketchat_contract.client.observations import Observation
from rocketchat_contract.client.redact import Redactor
from rocketchat_contract.contract.catalogue import ContractDataError, judging
from rocketchat_contract.contract.versions import VersionError, eras, place_server
from rocketchat_contract.judge.judge import Judge
from rocketchat_contract.reports.load import (
    COMPLIANCE,
    DocumentError,
    ReportError,
    ReportFile,
    check_judged,
    compliance_report,
)
from rocketchat_contract.reports.model import build_report
from rocketchat_contract.results.evidence import EvidenceError, rebuild
from rocketchat_contract.results.ledger import Ledger
from rocketchat_contract.results.record import JudgementRecord, RunRecord
from rocketchat_contract.results.registry import registry
from rocketchat_contract.results.selection import asked_probes


class RejudgeError(ValueError):
    """A report that cannot be judged again; the message is one line."""


@dataclass
class Rejudged:
    """A report judged again: the run and ledger a report is built from."""

    run: RunRecord
    ledger: Ledger


def read_report(file: ReportFile) -> dict[str, Any]:
    """A read report file's compliance report if it can be judged again: valid, versioned, not of an aborted run."""
    try:
        report = compliance_report(file)
    except DocumentError as exc:
        raise RejudgeError(str(exc)) from None
    return check_rejudgeable(report, str(file.path))


def check_rejudgeable(report: dict[str, Any], where: str) -> dict[str, Any]:
    """``report`` (named ``where`` in errors) if it keeps its evidence and judged something, else RejudgeError."""
    if "schema_version" not in report or "observations" not in report:
        raise RejudgeError(
            f"{where} has no schema_version: it was written before reports kept the evidence to judge again "
            f"(schema_version {COMPLIANCE.version}); run the suite once more to get one"
        )
    if report["schema_version"] != COMPLIANCE.version:
        raise RejudgeError(
            f"{where} has schema_version {report['schema_version']}: it was written before reports recorded which "
            f"clauses their run was asked to judge and where each exchange went (schema_version {COMPLIANCE.version}); "
            "run the suite once more to get one"
        )
    try:
        check_judged(report, where)
    except ReportError as exc:
        raise RejudgeError(str(exc)) from None
    return report


def observations(
    report: dict[str, Any], *, same_registry: bool = True
) -> tuple[dict[str, Observation], dict[str, dict[str, Observation]]]:
    """The report's probes by name, and its generated requests by clause, as the judge takes them."""
    recorded = report["observations"]
    try:
        probes = {name: rebuild(data, name) for name, data in recorded["probes"].items()}
        generated = {
            clause: {name: rebuild(data, name, same_registry=same_registry) for name, data in exchanges.items()}
            for clause, exchanges in recorded["generated"].items()
        }
    except EvidenceError as exc:
        raise RejudgeError(str(exc)) from None
    return probes, generated


def rejudge(report: dict[str, Any], extra_drift: tuple[str, ...] = (), rc_version: str | None = None) -> Rejudged:
    """Judge the report's clauses again on its recorded observations with today's registry (plus
    ``extra_drift``), the server placed by its reported version or ``rc_version``."""
    try:
        placement, notes = place_server(str(report["server_version"]), rc_version)
        judge = Judge(*judging(extra_drift), eras(), placement, Redactor())
    except (VersionError, ContractDataError) as exc:
        raise RejudgeError(str(exc)) from None
    probes, generated = observations(report, same_registry=registry(extra_drift) == report["registry"])
    selection = report["selection"]
    ledger = Ledger()
    for judgement in judge.judge_all(probes, generated, only=set(selection["clauses"])):
        asked = asked_probes(selection, judgement.clause)
        if asked is None or judgement.probe in asked:
            ledger.add(JudgementRecord.of(judgement, judge.redactor))
    kept = list(report["notes"])
    run = RunRecord.judged(
        placement,
        ledger.judgements,
        base_url=report["base_url"],
        embedded=report["embedded_profile"],
        started_at=report["started_at"],
        notes=[*kept, *(note for note in notes if rc_version and note not in kept)],
        extra_drift=list(extra_drift),
        selection=selection,
        rejudged=report["rejudged"],
    )
    return Rejudged(run, ledger)


def check_bound(report: dict[str, Any], where: str) -> None:
    """RejudgeError when the report's exchanges were not all sent under its ``base_url``."""
    lines = elsewhere(report)
    if lines:
        raise RejudgeError(f"{where}: its evidence is not about the server it names: {lines[0]}")


def rejudged_report(result: Rejudged, source: dict[str, Any], *, strict_docs: bool) -> dict[str, Any]:
    """The report of a re-judged run, saying it was re-judged: when, and the digest of the report ``source``."""
    result.run.rejudged = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "from_digest": source["digest"]}
    return build_report(result.run, result.ledger, strict_docs=strict_docs)
