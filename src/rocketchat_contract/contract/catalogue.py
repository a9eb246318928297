"""The clause catalogue and the drift registry, read from ``contracts/`` and checked against their schemas.

Local drift files (``--extra-drift``) are read here too, within the bounds of ``reader.DRIFT_FILES``: validated
by the registry's own schema, their
entries join the shipped ones with ``origin`` naming the file, and their inline body schemas join the
schema store under ``local/<entry id>.schema.json``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, best_match
from packaging.version import Version

from rocketchat_contract.contract.data import contracts_dir, load_yaml
from rocketchat_contract.contract.reader import DRIFT_FILES, ReadError, read_yaml
from rocketchat_contract.contract.schemas import BASE_URI, SchemaStore, json_message, store
from rocketchat_contract.contract.versions import covers, specifier

REGISTRY_SCHEMA = "meta/drift-registry.schema.json"
LOCAL_SCHEMAS = "local"
"""Where the inline body schemas of local drift entries live in the schema store."""


class ContractDataError(ValueError):
    """A data file under contracts/ does not match its schema."""


class ExtraDriftError(ContractDataError):
    """A local drift file (--extra-drift) cannot be used; the message names the file and the entry."""


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
    origin: str | None = None
    """The --extra-drift file the entry comes from; None for the shipped registry (contracts/drift.yaml)."""

    def covers(self, clause_id: str, *versions: Version) -> bool:
        """Whether the entry concerns the clause and its range holds any of ``versions``."""
        return clause_id in self.clauses and any(covers(self.versions, v) for v in versions)

    @property
    def label(self) -> str:
        """The entry's id, and for a local entry the file it comes from, so readers see which acceptances are local."""
        return self.id if self.origin is None else f"{self.id} (local entry from {self.origin})"


@dataclass(frozen=True)
class ExtraDrift:
    """The entries of local drift files, and the inline body schemas they carry (by schema-store path)."""

    entries: tuple[DriftEntry, ...] = ()
    schemas: Mapping[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Contract:
    clauses: tuple[Clause, ...]
    drift: tuple[DriftEntry, ...]

    def clause(self, clause_id: str) -> Clause:
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)

    @property
    def drift_clauses(self) -> tuple[str, ...]:
        """The clauses judged by a documented status and body (``expect``), in catalogue order: the only ones a
        drift entry can change, since the registry names the status and body a release sends instead."""
        return tuple(clause.id for clause in self.clauses if clause.expect is not None)

    def drift_for(self, clause_id: str, *versions: Version) -> list[DriftEntry]:
        """The entries of a clause whose range holds any of ``versions`` (the judged and the reported one).

        Shipped entries never start above the newest known release, so for them the judged version
        decides; a local entry scoped to a newer release (``>=9.2.0``) matches through the reported one.
        """
        return [entry for entry in self.drift if entry.covers(clause_id, *versions)]

    def with_drift(self, entries: Iterable[DriftEntry]) -> Contract:
        return replace(self, drift=(*self.drift, *entries))


def _checked(name: str, schema: str) -> Any:
    data = load_yaml(contracts_dir() / name)
    problem = store().problem(schema, data)
    if problem:
        raise ContractDataError(f"contracts/{name} does not match schemas/{schema}: {problem}")
    return data


def _entry(data: Mapping[str, Any], schema: str, origin: str | None) -> DriftEntry:
    return DriftEntry(
        id=data["id"],
        clauses=tuple(data["clauses"]),
        versions=data["versions"],
        instead=Expectation(status=data["instead"]["status"], schema=schema),
        summary=data["summary"],
        source=data["source"],
        outcome=data.get("outcome", "known-drift"),
        uncertain=data.get("uncertain"),
        remedy=data.get("remedy"),
        origin=origin,
    )


def load_contract() -> Contract:
    """Read and validate ``clauses.yaml`` and ``drift.yaml``."""
    clause_data = _checked("clauses.yaml", "meta/clauses.schema.json")
    drift_data = _checked("drift.yaml", REGISTRY_SCHEMA)
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
        if "schema" not in entry["instead"]:
            raise ContractDataError(f"drift entry {entry['id']}: the shipped registry names schema files (schema:)")
        specifier(entry["versions"])
        drift.append(_entry(entry, entry["instead"]["schema"], None))
    return Contract(clauses=clauses, drift=tuple(drift))


@cache
def contract() -> Contract:
    return load_contract()


# -- local drift files (--extra-drift) ------------------------------------------------------------


def load_extra_drift(paths: Sequence[Path | str], base: Contract | None = None) -> ExtraDrift:
    """Read local drift files, validated like the shipped registry; raise ExtraDriftError naming file and entry."""
    base = base or contract()
    taken = {entry.id: "contracts/drift.yaml" for entry in base.drift}
    known_clauses = {clause.id for clause in base.clauses}
    entries: list[DriftEntry] = []
    schemas: dict[str, dict[str, Any]] = {}
    for path in paths:
        name = str(path)
        for data in _local_entries(Path(path)):
            entry_id = data["id"]
            where = f"--extra-drift {name}: entry {entry_id}"
            if entry_id in taken:
                raise ExtraDriftError(f"{where}: the id is already used by {taken[entry_id]}")
            unknown = sorted(set(data["clauses"]) - known_clauses)
            if unknown:
                raise ExtraDriftError(f"{where}: unknown clauses {', '.join(unknown)} (see contracts/clauses.yaml)")
            try:
                specifier(data["versions"])
            except ValueError as exc:
                raise ExtraDriftError(f"{where}: versions: {exc}") from None
            ref = data["instead"].get("schema")
            if ref is not None and ref.split("#", 1)[0] not in store().documents:
                raise ExtraDriftError(f"{where}: instead.schema {ref} is not a schema file under schemas/")
            if ref is None:
                ref = f"{LOCAL_SCHEMAS}/{entry_id}.schema.json"
                schemas[ref] = _inline_schema(where, ref, data["instead"]["body_schema"])
            taken[entry_id] = name
            entries.append(_entry(data, ref, name))
    return ExtraDrift(tuple(entries), schemas)


def _local_entries(path: Path) -> list[dict[str, Any]]:
    try:
        data = read_yaml(path, DRIFT_FILES, f"--extra-drift {path}")
    except ReadError as exc:
        raise ExtraDriftError(str(exc)) from None
    if data is None:
        raise ExtraDriftError(
            f"--extra-drift {path}: the file is empty (or holds only comments); expected a drift file "
            "(entries: a list, as in contracts/drift.yaml)"
        )
    error = best_match(store().validator(REGISTRY_SCHEMA).iter_errors(data))
    if error is not None:
        where = list(error.absolute_path)
        entry = ""
        if len(where) >= 2 and where[0] == "entries" and isinstance(where[1], int):
            item = data["entries"][where[1]]
            named = item.get("id") if isinstance(item, dict) else None
            entry = f"entry {named}" if isinstance(named, str) else f"entry #{where[1] + 1}"
            where = where[2:]
        field_path = ".".join(str(part) for part in where)
        located = f"{entry} ({field_path})" if entry and field_path else entry or field_path
        message = json_message(error)
        if error.validator == "oneOf" and where[-1:] == ["instead"]:
            message = "give exactly one of schema (a file under schemas/) and body_schema (an inline JSON Schema)"
        raise ExtraDriftError(f"--extra-drift {path}: {located + ': ' if located else ''}{message}")
    entries: list[dict[str, Any]] = data["entries"]
    return entries


def _inline_schema(where: str, ref: str, schema: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(schema)
    document.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
    document["$id"] = BASE_URI + ref
    try:
        Draft202012Validator.check_schema(document)
    except SchemaError as exc:
        raise ExtraDriftError(f"{where}: body_schema is not a JSON Schema ({exc.message})") from None
    return document


def judging(extra_drift: Sequence[Path | str] = ()) -> tuple[Contract, SchemaStore]:
    """The contract and schema store a run judges with: the shipped registry plus the local drift files.

    Read and checked once per version of the files: the options, the drawing, the Judge and the report all ask.
    """
    if not extra_drift:
        return contract(), store()
    return _judging(tuple((str(path), _version_of(Path(path))) for path in extra_drift))


def _version_of(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@cache
def _judging(files: tuple[tuple[str, tuple[int, int] | None], ...]) -> tuple[Contract, SchemaStore]:
    extra = load_extra_drift([name for name, _ in files])
    return contract().with_drift(extra.entries), store().with_documents(extra.schemas)
