"""``rocketchat-contract verify REPORT.json``: check that a report's verdicts follow from its own evidence.

Well formed (the report schema, a schema_version), unedited (its digest), judged with the registry this
installation has (suite version, data hash, each --extra-drift file's hash), and every clause's verdict, per-probe
verdicts and evidence what judging its recorded observations again gives. Exit 0 "verified", 1 with the
clauses (or the edit) that differ, 2 unreadable or not verifiable here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rocketchat_contract.commands.rejudge import RejudgeError, read_report, rejudge
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
    """The exit status and the lines to print."""
    try:
        report = read_report(path)
    except RejudgeError as exc:
        return EXIT_UNREADABLE, [str(exc)]
    named = report["registry"]
    here = registry([entry["path"] for entry in named["extra_drift"]])
    if here != named:
        return EXIT_UNREADABLE, [
            f"{path} was judged with another registry (suite {named['suite_version']}, data "
            f"{named['data_sha256'][:12]}, {len(named['extra_drift'])} drift file(s)) than this installation has "
            f"(suite {here['suite_version']}, data {here['data_sha256'][:12]}, drift files by hash as named): "
            "verify it where that registry is installed, or judge it again with `rocketchat-contract rejudge`"
        ]
    lines = []
    if report.get("digest") != digest(report):
        lines.append(f"{path} was edited after it was written: its digest does not match its content")
    try:
        again = rejudge(report, tuple(entry["path"] for entry in named["extra_drift"]))
    except RejudgeError as exc:
        return EXIT_UNREADABLE, [str(exc)]
    lines += differences(report, build_report(again.run, again.ledger, strict_docs=report["strict_docs"]))
    if lines:
        return EXIT_DIFFERS, lines
    return EXIT_VERIFIED, [f"verified: {path} ({len(report['clauses'])} clauses follow from its evidence)"]


def add_verify_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "verify",
        help="check that a JSON compliance report's verdicts follow from its evidence and it was not edited",
        description="Check a JSON compliance report: well formed, not edited by hand, and each clause's verdict "
        "what its recorded evidence gives under the registry it names (judged again, offline). "
        "Exit status: 0 verified, 1 the clauses whose stated verdict differs (or the edit), 2 unreadable or "
        "judged with a registry this installation does not have.",
    )
    parser.add_argument("report", type=Path, metavar="REPORT.json", help="the JSON compliance report to verify")


def run_verify(path: Path) -> int:
    status, lines = verify(path)
    stream = sys.stdout if status == EXIT_VERIFIED else sys.stderr
    prefix = "" if status == EXIT_VERIFIED else "rocketchat-contract verify: "
    print("\n".join(prefix + line for line in lines), file=stream)
    return status
