"""A report's observations by id, and each clause's evidence resolved from them.

Since schema_version 3 a report keeps every exchange once, in ``observations``: a probe under its name, a
generated request under its name within its clause (``generated.schemathesis-12``). That name is its id, unique
in the report, and a clause's ``evidence`` is the list of the ids its verdict rests on. Every reader that shows or
compares evidence (the Markdown and HTML renderers, ``diff``, ``propose-drift``) resolves it here, through
``resolved``; an older report, whose clauses keep their exchanges inline, resolves to itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class ObservationIdError(ValueError):
    """Evidence that names no observation the report holds, names one twice, or an id held twice; one line."""


def _all(report: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every observation as (id, where it is held, its data)."""
    observations = report.get("observations") or {}
    for name, data in (observations.get("probes") or {}).items():
        yield name, "probes", data
    for clause, requests in (observations.get("generated") or {}).items():
        for name, data in requests.items():
            yield name, f"generated {clause}", data


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The report's observations by id (ObservationIdError when an id is held twice)."""
    found: dict[str, dict[str, Any]] = {}
    held: dict[str, str] = {}
    for name, where, data in _all(report):
        if name in found:
            raise ObservationIdError(f"the observation id {name!r} is held twice (under {held[name]} and {where})")
        found[name], held[name] = data, where
    return found


IDS_SINCE = 3
"""The schema_version since which evidence names observations by id."""


def names_ids(report: dict[str, Any]) -> bool:
    """Whether the report's evidence names observations by id rather than keeping them inline (older reports)."""
    version = report.get("schema_version")
    return isinstance(version, int) and version >= IDS_SINCE


def check_references(report: dict[str, Any]) -> None:
    """ObservationIdError, naming the clause, when a clause's evidence names an observation the report does not
    hold, one that was not sent (no exchange), or one twice; or when an id is held twice."""
    if not names_ids(report):
        return
    observations = by_id(report)
    for clause in report["clauses"]:
        seen: set[str] = set()
        for name in clause["evidence"]:
            data = observations.get(name)
            if data is None:
                raise ObservationIdError(
                    f"the evidence of {clause['id']} names the observation {name!r}, which the report does not hold"
                )
            if "request" not in data:
                raise ObservationIdError(
                    f"the evidence of {clause['id']} names the observation {name!r}, which was not sent"
                )
            if name in seen:
                raise ObservationIdError(f"the evidence of {clause['id']} names the observation {name!r} twice")
            seen.add(name)


def resolved(report: dict[str, Any]) -> dict[str, Any]:
    """The report with each clause's evidence as the exchanges it names (a shallow copy; the exchanges are the
    report's own, not to be changed). A report checked by ``check_references`` (every one read from a file is)
    resolves whole; a report whose evidence is inline is returned as it is."""
    if not names_ids(report):
        return report
    observations = by_id(report)
    clauses = [
        {**clause, "evidence": [observations[name] for name in clause["evidence"]]} for clause in report["clauses"]
    ]
    return {**report, "clauses": clauses}
