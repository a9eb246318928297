"""The JSON Schemas of every body, loaded once into one registry, with one validator per schema."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from rocketchat_contract.contract.data import schemas_dir
from rocketchat_contract.contract.reader import SHIPPED_DATA, read_json

BASE_URI = "https://rocketchat-contract.example/schemas/"
MEMO_LIMIT = 1024
"""Answers a store keeps (of each kind: reasons, validity) before it forgets them all: a run asks about the same few
bodies a hundred times (every hostile request gets the same 401), a fleet worker about the same bodies for every
target."""
MEMO_MAX_TEXT = 4096
"""Bodies longer than this, as JSON text, are judged afresh each time rather than kept: with ``MEMO_LIMIT``, what a
store remembers stays under 10 MB whatever a hostile server sends a long-lived fleet worker."""


class SchemaStore:
    """All schema files under ``schemas/``, addressed by path relative to it (``documented/x.schema.json``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.documents: dict[str, dict[str, Any]] = {}
        resources = []
        for path in sorted(root.rglob("*.schema.json")):
            relative = path.relative_to(root).as_posix()
            document = read_json(path, SHIPPED_DATA)
            if document.get("$id") != BASE_URI + relative:
                raise ValueError(f"{relative}: $id must be {BASE_URI + relative}")
            self.documents[relative] = document
            resources.append((document["$id"], Resource.from_contents(document, default_specification=DRAFT202012)))
        self.registry: Registry[Any] = Registry().with_resources(resources).crawl()
        self._validators: dict[str, Draft202012Validator] = {}
        self._answers: dict[tuple[str, str], str | None] = {}
        self._validity: dict[tuple[str, str], bool] = {}

    def with_documents(self, documents: Mapping[str, dict[str, Any]]) -> SchemaStore:
        """A copy of the store that also holds ``documents`` (path -> schema whose ``$id`` matches the path)."""
        extended = copy.copy(self)
        extended.documents = {**self.documents, **documents}
        extended.registry = self.registry.with_resources(
            (document["$id"], Resource.from_contents(document, default_specification=DRAFT202012))
            for document in documents.values()
        ).crawl()
        extended._validators = {}
        extended._answers = {}
        extended._validity = {}
        return extended

    def validator(self, ref: str) -> Draft202012Validator:
        """Return the validator for ``path[#/pointer]``, built on first use and kept."""
        if ref not in self._validators:
            path = ref.split("#", 1)[0]
            if path not in self.documents:
                raise KeyError(f"no schema file {path!r} under {self.root}")
            self._validators[ref] = Draft202012Validator({"$ref": BASE_URI + ref}, registry=self.registry)
        return self._validators[ref]

    def problem(self, ref: str, instance: Any) -> str | None:
        """Return the most relevant reason ``instance`` fails ``ref``, or None when it is valid (remembered per
        instance, as JSON text: the answer depends on nothing else)."""
        key = _as_key(ref, instance)
        if key is None:
            return self._problem(ref, instance)
        if key not in self._answers:
            _bounded(self._answers)[key] = self._problem(ref, instance)
        return self._answers[key]

    def _problem(self, ref: str, instance: Any) -> str | None:
        error = best_match(self.validator(ref).iter_errors(instance))
        if error is None:
            return None
        where = error.json_path if error.path else "body"
        return f"{where}: {json_message(error)}"

    def is_valid(self, ref: str, instance: Any) -> bool:
        """Whether ``instance`` is valid against ``ref`` (a known answer, else the validator's first error)."""
        key = _as_key(ref, instance)
        if key is None:
            return self.validator(ref).is_valid(instance)
        if key in self._answers:
            return self._answers[key] is None
        if key not in self._validity:
            _bounded(self._validity)[key] = self.validator(ref).is_valid(instance)
        return self._validity[key]

    def examples(self, path: str) -> list[Any]:
        return list(self.documents[path].get("examples", []))

    def template(self, path: str) -> str:
        """Return the ``x-template`` message pattern a schema declares for a body with variable parts."""
        return str(self.documents[path]["x-template"])

    def enum(self, ref: str) -> list[str]:
        """Return the values of an ``enum`` definition, following ``anyOf`` of enums."""
        node = self.registry.resolver(BASE_URI).lookup(BASE_URI + ref).contents
        if "enum" in node:
            return list(node["enum"])
        values: list[str] = []
        for part in node.get("anyOf", []):
            for value in self.enum(_relative(ref, part["$ref"])):
                if value not in values:
                    values.append(value)
        return values


def json_message(error: ValidationError) -> str:
    """jsonschema's message with the values in it written as JSON (``null``, ``true``, ``"text"``), as they
    were sent, rather than as Python writes them (``None``, ``True``, ``'text'``)."""
    if error.validator is None:  # a false schema, which allows nothing
        return f"no value is allowed here, got {_json(error.instance)}"
    message = error.message
    values = [error.instance]
    if error.validator in ("type", "enum", "const"):  # a property's name ("required") stays as jsonschema quotes it
        values.append(error.validator_value)
        if isinstance(error.validator_value, list):
            values += error.validator_value
    for value in values:
        shown = repr(value)
        if shown in message:
            message = message.replace(shown, _json(value), 1)
    return message


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _relative(ref: str, target: str) -> str:
    if target.startswith("#"):
        return ref.split("#", 1)[0] + target
    return target


@cache
def store() -> SchemaStore:
    """Return the project's schema store, built once per process."""
    return SchemaStore(schemas_dir())


def _as_key(ref: str, instance: Any) -> tuple[str, str] | None:
    """The schema and ``instance`` as JSON text, or None when the text is too long to keep or no JSON value. Keys
    keep their order: of several errors, the one reported can depend on it, and a report re-judged offline must say
    the same. ``true`` and ``1``, ``1`` and ``1.0`` stay apart."""
    try:
        text = json.dumps(instance, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    return (ref, text) if len(text) <= MEMO_MAX_TEXT else None


def _bounded(table: dict[tuple[str, str], Any]) -> dict[tuple[str, str], Any]:
    """``table``, emptied first when it holds ``MEMO_LIMIT`` answers already."""
    if len(table) >= MEMO_LIMIT:
        table.clear()
    return table
