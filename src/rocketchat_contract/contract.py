"""The clause catalogue and the drift registry, read from ``contracts/`` and checked against their schemas."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from packaging.version import Version

from .data import contracts_dir, load_yaml
from .schemas import store
from .versions import covers, specifier


class ContractDataError(ValueError):
    """A data file under contracts/ does not match its schema."""


@dataclass(frozen=True)
class Expectation:
    status: int
    schema: str


@dataclass(frozen=True)
class Clause:
    id: str
    title: str
    source: str
    statement: str
    probes: tuple[str, ...] | str
    expect: Expectation | None = None
    check: str | None = None


@dataclass(frozen=True)
class DriftEntry:
    id: str
    clauses: tuple[str, ...]
    versions: str
    instead: Expectation
    summary: str
    source: str
    outcome: str = "known-drift"
    uncertain: str | None = None
    remedy: str | None = None

    def covers(self, clause_id: str, version: Version) -> bool:
        return clause_id in self.clauses and covers(self.versions, version)


@dataclass(frozen=True)
class Contract:
    clauses: tuple[Clause, ...]
    drift: tuple[DriftEntry, ...]

    def clause(self, clause_id: str) -> Clause:
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)

    def drift_for(self, clause_id: str, version: Version) -> list[DriftEntry]:
        return [entry for entry in self.drift if entry.covers(clause_id, version)]


def _checked(name: str, schema: str) -> Any:
    data = load_yaml(contracts_dir() / name)
    problem = store().problem(schema, data)
    if problem:
        raise ContractDataError(f"contracts/{name} does not match schemas/{schema}: {problem}")
    return data


def load_contract() -> Contract:
    """Read and validate ``clauses.yaml`` and ``drift.yaml``."""
    clause_data = _checked("clauses.yaml", "meta/clauses.schema.json")
    drift_data = _checked("drift.yaml", "meta/drift-registry.schema.json")
    clauses = tuple(
        Clause(
            id=c["id"],
            title=c["title"],
            source=c["source"],
            statement=c["statement"],
            probes=c["probes"] if isinstance(c["probes"], str) else tuple(c["probes"]),
            expect=Expectation(**c["expect"]) if "expect" in c else None,
            check=c.get("check"),
        )
        for c in clause_data["clauses"]
    )
    known = {c.id for c in clauses}
    drift = []
    for entry in drift_data["entries"]:
        unknown = set(entry["clauses"]) - known
        if unknown:
            raise ContractDataError(f"drift entry {entry['id']} names unknown clauses {sorted(unknown)}")
        specifier(entry["versions"])
        drift.append(
            DriftEntry(
                id=entry["id"],
                clauses=tuple(entry["clauses"]),
                versions=entry["versions"],
                instead=Expectation(**entry["instead"]),
                summary=entry["summary"],
                source=entry["source"],
                outcome=entry.get("outcome", "known-drift"),
                uncertain=entry.get("uncertain"),
                remedy=entry.get("remedy"),
            )
        )
    return Contract(clauses=clauses, drift=tuple(drift))


@cache
def contract() -> Contract:
    return load_contract()
