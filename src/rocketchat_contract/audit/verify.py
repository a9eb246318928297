"""Verifying a report: that its verdicts follow from its own evidence.

Well formed (the report schema, a schema_version), unedited (its digest), judged with the registry this
installation has (suite version, data hash, each --extra-drift file's hash), and every clause's verdict, per-probe
verdicts and evidence what judging its recorded observations again gives. Exit 0 "verified", 1 with the
clauses (or the edit) that differ, 2 unreadable or not verifiable here. A fleet report: each tested target's
embedded report so, and the fleet's matrix equal to it; each line names its target, the worst status wins.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rocketchat_contract.audit.rejudge import RejudgeError, read_report, rejudge
from rocketchat_contract.audit.rejudge_fleet import embedded_report
from rocketchat_contract.fleet.merge import FleetReportError, fleet_report
from rocketchat_contract.reports.load import DocumentError, ReportFile, read_report_file
from rocketchat_contract.reports.model import build_report, digest
from rocketchat_contract.results.registry import registry

EXIT_VERIFIED, EXIT_DIFFERS, EXIT_UNREADABLE = 0, 1, 2


def _canonical(values: list[Any]) -> list[str]:
    return sorted(json.dumps(v, sort_keys=True, ensure_ascii=False) for v in values)


def _stated(clause: dict[str, Any]) -> dict[str, Any]:
    """What verify compares of a clause: its verdict, its drift entry, its per-probe verdicts, its evidence."""
    return {
        "verdict": clause["verdict"],
        "drift": (clause["drift"] or {}).get("id"),
        "probes": sorted((p["probe"], p["verdict"]) for p in clause["probes"]),
        "evidence": _canonical(clause["evidence"]),
    }


def differences(report: dict[str, Any], again: dict[str, Any]) -> list[str]:
    """One line per clause whose stated verdict, drift, probes or evidence differ from the re-derived ones."""
    derived = {clause["id"]: clause for clause in again["clauses"]}
    lines = []
    for clause in report["clauses"]:
        other = derived.get(clause["id"])
        if other is None:
            lines.append(f"{clause['id']}: the installed catalogue has no such clause")
            continue
        stated, found = _stated(clause), _stated(other)
        what = [key for key in stated if stated[key] != found[key]]
        if what:
            verdicts = f"states {clause['verdict']}, its evidence gives {other['verdict']}"
            lines.append(f"{clause['id']}: {verdicts} (differs in: {', '.join(what)})")
    return lines


def verify(path: Path) -> tuple[int, list[str]]:
    """The exit status and the lines to print, for a compliance report or a fleet report."""
    try:
        file = read_report_file(path)
    except DocumentError as exc:
        return EXIT_UNREADABLE, [str(exc)]
    if file.is_fleet:
        return verify_fleet(file)
    try:
        report = read_report(file)
    except RejudgeError as exc:
        return EXIT_UNREADABLE, [str(exc)]
    status, lines = verify_report(report, str(path))
    if status == EXIT_VERIFIED:
        return status, [f"verified: {path} ({len(report['clauses'])} clauses follow from its evidence)"]
    return status, lines


def verify_report(report: dict[str, Any], where: str, rc_version: str | None = None) -> tuple[int, list[str]]:
    """Verify a readable report (named ``where``), judged as ``rc_version`` if its run was: the status and, unless
    it verified, the lines saying why not."""
    named = report["registry"]
    here = registry([entry["path"] for entry in named["extra_drift"]])
    if here != named:
        return EXIT_UNREADABLE, [
            f"{where} was judged with another registry (suite {named['suite_version']}, data "
            f"{named['data_sha256'][:12]}, {len(named['extra_drift'])} drift file(s)) than this installation has "
            f"(suite {here['suite_version']}, data {here['data_sha256'][:12]}, drift files by hash as named): "
            "verify it where that registry is installed, or judge it again with `rocketchat-contract rejudge`"
        ]
    lines = []
    if report.get("digest") != digest(report):
        lines.append(f"{where} was edited after it was written: its digest does not match its content")
    try:
        again = rejudge(report, tuple(entry["path"] for entry in named["extra_drift"]), rc_version)
    except RejudgeError as exc:
        return EXIT_UNREADABLE, [str(exc)]
    lines += differences(report, build_report(again.run, again.ledger, strict_docs=report["strict_docs"]))
    return (EXIT_DIFFERS, lines) if lines else (EXIT_VERIFIED, [])


def verify_fleet(file: ReportFile) -> tuple[int, list[str]]:
    """Verify every tested target's embedded report, and that the fleet's matrix states what those reports do;
    the worst status of any target, each line naming its target."""
    try:
        document = fleet_report(file)
    except FleetReportError as exc:
        return EXIT_UNREADABLE, [str(exc)]
    path = file.path
    status, verified = EXIT_VERIFIED, 0
    lines: list[str] = []
    for target in document["targets"]:
        try:
            report = embedded_report(target, path)
        except RejudgeError as exc:
            status, lines = max(status, EXIT_UNREADABLE), [*lines, str(exc)]
            continue
        if report is None:
            continue
        found, why = verify_report(report, "its embedded report", target["settings"].get("rc_version"))
        why += [
            f"{clause}: the matrix states {verdict}, its embedded report states {stated}"
            for clause, verdict, stated in matrix_differences(target, report)
        ]
        status = max(status, found, EXIT_DIFFERS if why else EXIT_VERIFIED)
        lines += [f"{target['name']}: {line}" for line in why]
        verified += 1
    if status == EXIT_VERIFIED:
        rest = len(document["targets"]) - verified
        return status, [f"verified: {path} ({verified} tested targets follow from their evidence; {rest} not tested)"]
    return status, lines


def matrix_differences(target: dict[str, Any], report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The clauses whose verdict in the fleet's matrix is not the one the target's own report states."""
    stated = {clause["id"]: clause["verdict"] for clause in report["clauses"]}
    matrix = target["verdicts"]
    return [
        (clause, matrix.get(clause, "nothing"), stated.get(clause, "nothing"))
        for clause in sorted(set(stated) | set(matrix))
        if matrix.get(clause) != stated.get(clause)
    ]
