"""The notes a report shows: the run's own (``notes``), after why it judged nothing (``aborted``) and before the
clauses judged on only some of their probes (``partly_verified``). The JSON report keeps those facts as fields; the
sentences are written here, for the Markdown and HTML reports of one server and of a fleet."""

from __future__ import annotations

from typing import Any

from rocketchat_contract.results.ledger import partly_verified


def aborted_note(why: str) -> str:
    """A run that stopped before judging says so first, so an empty report is never mistaken for a clean one."""
    return f"Nothing was judged: the run stopped before its probes ({why})"


def shown_notes(report: dict[str, Any]) -> list[str]:
    """Every note a report shows, in order: why nothing was judged, the run's notes, the partly verified clauses."""
    clauses = {clause["id"]: clause for clause in report.get("clauses", [])}
    partly = [
        "Partly verified: "
        + partly_verified(
            cid, clauses[cid]["verdict"], [(p["probe"], p["verdict"], p["detail"]) for p in clauses[cid]["probes"]]
        )
        for cid in report.get("partly_verified", {})
        if cid in clauses
    ]
    aborted = [aborted_note(report["aborted"])] if report.get("aborted") else []
    return [*aborted, *report.get("notes", []), *partly]
