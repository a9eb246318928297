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

    def with_documents(self, documents: Mapping[str, dict[str, Any]]) -> SchemaStore:
        """A copy of the store that also holds ``documents`` (path -> schema whose ``$id`` matches the path)."""
        extended = copy.copy(self)
        extended.documents = {**self.documents, **documents}
        extended.registry = self.registry.with_resources(
            (document["$id"], Resource.from_contents(document, default_specification=DRAFT202012))
            for document in documents.values()
        ).crawl()
        extended._validators = {}
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
        """Return the most relevant reason ``instance`` fails ``ref``, or None when it is valid."""
        error = best_match(self.validator(ref).iter_errors(instance))
        if error is None:
            return None
        where = error.json_path if error.path else "body"
        return f"{where}: {json_message(error)}"

    def is_valid(self, ref: str, instance: Any) -> bool:
        return self.validator(ref).is_valid(instance)

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
