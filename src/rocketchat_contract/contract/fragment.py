"""The OpenAPI fragment as the generated tests load it: the file plus the drift entries of the run.

``contracts/getImportProgress.openapi.yaml`` lists, under each status, the documented body and one
``x-undocumented`` member per schema of the drift registry, naming its entries in ``x-drift``;
selftests/contract/test_contract_data.py keeps the file and the registry equal. ``document`` adds what the
run's ``--extra-drift`` files bring, so that schemathesis's ``response_schema_conformance`` accepts
the bodies the Judge accepts, and no other.
"""

from __future__ import annotations

import copy
from typing import Any

from rocketchat_contract.contract.catalogue import LOCAL_SCHEMAS, Contract, DriftEntry, judging
from rocketchat_contract.contract.data import contracts_dir, load_yaml
from rocketchat_contract.contract.schemas import BASE_URI, SchemaStore

FRAGMENT = contracts_dir() / "getImportProgress.openapi.yaml"
PATH = "/api/v1/getImportProgress"
SCHEMAS = "../schemas/"
"""How the fragment refers to the schema files (relative to contracts/)."""


def load() -> dict[str, Any]:
    document: dict[str, Any] = load_yaml(FRAGMENT)
    return document


def responses(document: dict[str, Any]) -> dict[str, Any]:
    """The responses of GET on the endpoint, by status string."""
    found: dict[str, Any] = document["paths"][PATH]["get"]["responses"]
    return found


def members(response: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives of a response's JSON body schema (its anyOf, made one if it was a single schema)."""
    media = response.setdefault("content", {}).setdefault("application/json", {})
    schema = media.setdefault("schema", {"anyOf": []})
    if "anyOf" not in schema:
        media["schema"] = schema = {"anyOf": [schema]}
    found: list[dict[str, Any]] = schema["anyOf"]
    return found


def _relative_refs(node: Any) -> Any:
    """Point ``$ref``s at the project's schemas by the fragment's relative path instead of their ``$id``."""
    if isinstance(node, dict):
        return {
            key: SCHEMAS + value[len(BASE_URI) :]
            if key == "$ref" and isinstance(value, str) and value.startswith(BASE_URI)
            else _relative_refs(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_relative_refs(item) for item in node]
    return node


def member(entry: DriftEntry, schemas: SchemaStore) -> dict[str, Any]:
    """The anyOf member that stands for one drift entry's body."""
    if entry.instead.schema.startswith(LOCAL_SCHEMAS + "/"):
        inline = {k: v for k, v in copy.deepcopy(schemas.documents[entry.instead.schema]).items() if k[0] != "$"}
        return {**_relative_refs(inline), "x-undocumented": True, "x-drift": [entry.id]}
    return {"$ref": SCHEMAS + entry.instead.schema, "x-undocumented": True, "x-drift": [entry.id]}


def document(contract: Contract, schemas: SchemaStore) -> dict[str, Any]:
    """The fragment with a member for every drift entry of ``contract`` (shipped ones are already in the file)."""
    fragment = load()
    by_status = responses(fragment)
    for entry in contract.drift:
        status = str(entry.instead.status)
        response = by_status.setdefault(
            status, {"description": f"Not documented: {entry.summary}", "x-undocumented": True}
        )
        alternatives = members(response)
        wanted = member(entry, schemas)
        same = next((m for m in alternatives if "$ref" in wanted and m.get("$ref") == wanted["$ref"]), None)
        if same is None:
            alternatives.append(wanted)
        elif entry.id not in same.setdefault("x-drift", []):
            same["x-drift"].append(entry.id)
            same["x-undocumented"] = True
    return fragment


def run_document(extra_drift: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fragment as a run loads it: with the drift registry's and the run's --extra-drift entries, and every
    schema it refers to written in place (``self_contained``)."""
    contract, schemas = judging(extra_drift)
    return self_contained(document(contract, schemas), schemas)


MAX_INLINED_DEPTH = 32
"""How deep ``$ref``s may chain; the project's schemas go three deep and refer to nothing recursively."""


def self_contained(fragment: dict[str, Any], schemas: SchemaStore) -> dict[str, Any]:
    """``fragment`` with every ``$ref`` to a schema written in place, the schemas' ``$id``s and ``$schema``s left out.

    A schema file's own ``$ref``s resolve against its ``$id`` (``https://rocketchat-contract.example/...``), so a
    tool that loads the fragment with references to the files (schemathesis) would fetch them from that address:
    a DNS lookup and an HTTP request from every run, answered by nobody, or by whoever holds the name. Written in
    place, nothing is left to fetch; the schemas are the store's, checked when it was built."""
    resolver = schemas.registry.resolver(BASE_URI)

    def inline(node: Any, resolver: Any, depth: int) -> Any:
        if isinstance(node, list):
            return [inline(item, resolver, depth) for item in node]
        if not isinstance(node, dict):
            return node
        rest = {key: inline(value, resolver, depth) for key, value in node.items() if key not in _RESOURCE_KEYS}
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return rest
        if depth >= MAX_INLINED_DEPTH:
            raise ValueError(f"$ref {ref}: the schemas refer to each other more than {MAX_INLINED_DEPTH} deep")
        target = BASE_URI + ref[len(SCHEMAS) :] if ref.startswith(SCHEMAS) else ref
        resolved = resolver.lookup(target)
        written = inline(resolved.contents, resolved.resolver, depth + 1)
        del rest["$ref"]
        return {**rest, "allOf": [*rest.get("allOf", []), written]} if rest else written

    paths = inline(fragment["paths"], resolver, 0)
    return {**fragment, "paths": paths}


_RESOURCE_KEYS = frozenset({"$id", "$schema", "$defs", "definitions"})
"""What a schema keeps only for references into it; written in place, nothing refers to it any more."""
