"""The injectable faults of ``faults.yaml``: pipeline switches and response rewrites."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from rocketchat_contract.contract.data import load_yaml
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.reference.reply import JSON, Reply

_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Fault:
    """One fault: a ``switch`` the pipeline consults, a ``rewrite`` of the finished response, or ``hostile``
    text served where no clause looks (``hostile.py``), which names no ``clause``."""

    name: str
    summary: str
    kind: str
    clause: str | None = None
    switch: str | None = None
    rewrite: Mapping[str, Any] | None = None
    hostile: Mapping[str, Any] | None = None


SCHEMA = "meta/faults.schema.json"


def schema() -> dict[str, Any]:
    return store().documents[SCHEMA]


def switch_names() -> frozenset[str]:
    return frozenset(schema()["$defs"]["fault"]["properties"]["switch"]["enum"])


@cache
def load_faults() -> dict[str, Fault]:
    """Read and validate ``faults.yaml`` (against ``faults.schema.json``), keyed by name."""
    data = load_yaml(_HERE / "faults.yaml")
    problem = store().problem(SCHEMA, data)
    if problem:
        raise ValueError(f"faults.yaml: {problem}")
    faults: dict[str, Fault] = {}
    for entry in data["faults"]:
        if entry["name"] in faults:
            raise ValueError(f"faults.yaml: duplicate fault {entry['name']!r}")
        faults[entry["name"]] = Fault(**entry)
    return faults


def _header_matches(condition: Mapping[str, Any], headers: Mapping[str, str]) -> bool:
    value = headers.get(condition["name"])
    if value is None:
        return False
    if condition.get("empty"):
        return value.strip() == ""
    if "min_length" in condition:
        return len(value) >= int(condition["min_length"])
    if condition.get("non_ascii"):
        return any(ord(char) > 127 for char in value)
    return str(condition["contains"]) in value


def matches(
    when: Mapping[str, Any], *, case: str | None, method: str, profile: str, headers: Mapping[str, str]
) -> bool:
    """True when every part of ``when`` holds; header conditions match if any of them does."""
    if "case" in when and when["case"] != case:
        return False
    if "method" in when:
        methods = when["method"] if isinstance(when["method"], list) else [when["method"]]
        if method not in methods:
            return False
    if "profile" in when and profile not in when["profile"]:
        return False
    return not ("headers" in when and not any(_header_matches(c, headers) for c in when["headers"]))


def _parts(pointer: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]


def _set(body: Any, pointer: str, value: Any) -> None:
    *parents, last = _parts(pointer)
    for part in parents:
        body = body.setdefault(part, {})
    body[last] = copy.deepcopy(value)


def _delete(body: Any, pointer: str) -> None:
    *parents, last = _parts(pointer)
    for part in parents:
        body = body.get(part, {})
    body.pop(last, None)


def apply(then: Mapping[str, Any], reply: Reply, body_of: Callable[[str], Any]) -> Reply:
    """Return ``reply`` edited as ``then`` says (body first, then pointers, then type and status)."""
    result = copy.deepcopy(reply)
    if "body_from" in then:
        example = copy.deepcopy(store().examples(then["body_from"])[0])  # edited below; the schema's stays
        result.body, result.raw, result.content_type = example, None, JSON
    if "body_of" in then:
        result.body, result.raw, result.content_type = body_of(then["body_of"]), None, JSON
    if result.is_json and isinstance(result.body, dict):
        for pointer in then.get("delete", []):
            _delete(result.body, pointer)
        for pointer, value in then.get("set", {}).items():
            _set(result.body, pointer, value)
        result.body.update(copy.deepcopy(dict(then.get("merge", {}))))
    if "raw_body" in then:
        result.raw, result.body = then["raw_body"], None
    if "content_type" in then:
        result.content_type = then["content_type"]
        if result.raw is None:
            result.raw = json.dumps(result.body, separators=(",", ":"), ensure_ascii=False)
    if "status" in then:
        result.status = then["status"]
    return result
