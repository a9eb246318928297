"""Signed attestations of a fleet: one of the fleet report, and one of each tested target's own report, which the
fleet writes beside it as its own file, so each customer can be handed their server's report and its attestation
without the others'."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rocketchat_contract.fleet.diff import TESTED
from rocketchat_contract.reports.attestation import (
    attestation_path,
    configuration,
    report_predicate,
    result_of,
    write_attestation,
)
from rocketchat_contract.reports.render import COMPLIANCE_REPORT, write_as


def tested_reports(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each tested target's name and compliance report, in the fleet's order."""
    return [(t["name"], t["report"]) for t in document["targets"] if t["outcome"] in TESTED and t["report"]]


def fleet_predicate(document: dict[str, Any]) -> dict[str, Any]:
    """The test-result predicate of a fleet report: every tested target's verdicts as ``TARGET/CLAUSE``, the
    result from the fleet's exit status (WARNED for untestable targets it allowed, known drift or unverified
    clauses)."""
    lists: dict[str, list[str]] = {"conforms": [], "known-drift": [], "violation": [], "not-verified": []}
    registries: list[dict[str, Any]] = []
    for name, report in tested_reports(document):
        for clause in report["clauses"]:
            lists.setdefault(clause["verdict"], []).append(f"{name}/{clause['id']}")
        if "registry" in report and report["registry"] not in registries:
            registries.append(report["registry"])
    descriptors = [d for registry in registries for d in configuration(registry)]
    untested = any(t["outcome"] not in TESTED for t in document["targets"])
    warned = untested or bool(lists["known-drift"] or lists["not-verified"])
    partial = any(report.get("outcome", {}).get("result") == "partial" for _, report in tested_reports(document))
    return {
        "result": result_of(document["exit_status"] != 0, warned or partial),
        "configuration": [d for i, d in enumerate(descriptors) if d not in descriptors[:i]],
        "passedTests": lists["conforms"],
        "warnedTests": lists["known-drift"],
        "failedTests": lists["violation"],
    }


def target_report_path(fleet_report: Path, name: str) -> Path:
    """Where the fleet writes a target's own report beside the fleet's JSON report: ``fleet.json`` →
    ``fleet.NAME.json``."""
    return fleet_report.with_name(f"{fleet_report.stem}.{name}.json")


def write_fleet_attestations(paths: list[Path], document: dict[str, Any], key: Ed25519PrivateKey) -> list[Path]:
    """For each JSON fleet report written: its attestation, and each tested target's report with its own; the
    files written."""
    written = []
    for path in (p for p in paths if p.suffix.lower() == ".json"):
        write_attestation(path, fleet_predicate(document), key, attestation_path(path))
        written.append(attestation_path(path))
        for name, report in tested_reports(document):
            own = target_report_path(path, name)
            write_as([own], report, COMPLIANCE_REPORT)
            write_attestation(own, report_predicate(report), key, attestation_path(own))
            written += [own, attestation_path(own)]
    return written
