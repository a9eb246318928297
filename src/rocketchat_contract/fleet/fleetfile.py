"""Read a fleet file: YAML within the bounds of ``contract.reader.FLEET_FILES``, checked against
schemas/fleet/fleet-file.schema.json, then per-target specs."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from jsonschema.exceptions import ValidationError, best_match

from rocketchat_contract.client.redact import MASK, without_userinfo
from rocketchat_contract.contract.reader import FLEET_FILES, ReadError, parse_yaml, read_text
from rocketchat_contract.contract.schemas import store

FLEET_FILE_SCHEMA = "fleet/fleet-file.schema.json"
DEFAULT_PREFIX = "RC_"
FLAGS = ("strict_docs", "require_verified", "provision_user", "seed_import")
"""Per-target settings that are pytest flags of the suite (``strict_docs`` → ``--strict-docs``)."""


class FleetFileError(ValueError):
    """A fleet file that cannot be used; the message is one line naming the entry and the field."""


@dataclass(frozen=True)
class TargetSpec:
    """One target of the fleet: where it is, where its credentials come from, and its suite settings."""

    name: str
    base_url: str
    env_prefix: str | None = None
    """The prefix the fleet file gives; None when it gives none (see ``prefix``)."""
    env: dict[str, str] = field(default_factory=dict)
    rc_version: str | None = None
    ca_bundle: Path | None = None
    request_timeout: float | None = None
    flags: frozenset[str] = frozenset()

    @property
    def prefix(self) -> str | None:
        """The prefix the variables ``env`` does not name are read with: its own, RC_ when the target names no
        source at all (as a single ``pytest`` run reads them), and none beside an ``env`` mapping, so that a
        target never picks up the caller's own RC_ credentials for the variables its mapping leaves out."""
        if self.env_prefix is not None:
            return self.env_prefix
        return None if self.env else DEFAULT_PREFIX

    @property
    def origin(self) -> str:
        """Scheme, host and port: two runs never hit the same origin at once (rate limiter, users)."""
        return origin_of(self.base_url)

    def settings(self) -> dict[str, Any]:
        """The suite settings of this target as the reports show them (no secrets: names and flags only)."""
        shown: dict[str, Any] = {flag: True for flag in sorted(self.flags)}
        if self.rc_version:
            shown["rc_version"] = self.rc_version
        if self.ca_bundle:
            shown["ca_bundle"] = self.ca_bundle.name
        if self.request_timeout is not None:
            shown["request_timeout"] = self.request_timeout
        return shown


def origin_of(base_url: str) -> str:
    """A base URL's scheme, host and port (``http://chat.example.com:80``); a malformed one is its own origin."""
    try:
        parts = urlsplit(base_url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    except ValueError:
        return base_url
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


@dataclass(frozen=True)
class FleetFile:
    """A fleet file read and parsed within its bounds, not yet checked against its schema (``check_fleet``)."""

    path: Path
    text: str
    document: Any

    def targets(self) -> list[tuple[str, str]] | None:
        """Each target's name and base URL as written, cheaply, before the (slower) schema check: what the size of a
        run is known from. None when the file does not have that shape (the schema check then says why)."""
        entries = self.document.get("targets") if isinstance(self.document, dict) else None
        if not isinstance(entries, list):
            return None
        found = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                return None
            found.append((entry["name"], str(entry.get("base_url", ""))))
        return found

    @property
    def sha256(self) -> str:
        """SHA-256 of the file's content as read (its data as canonical JSON): equal for two checkouts of one fleet
        file whatever their line endings, comments or key order, different when a target or a setting differs."""
        canonical = json.dumps(self.document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def read_fleet(path: Path) -> FleetFile:
    """Read and parse a fleet file within the bounds of ``FLEET_FILES``; FleetFileError with one line when it
    cannot be."""
    try:
        text = read_text(path, FLEET_FILES)
        document = parse_yaml(text, FLEET_FILES, str(path))
    except ReadError as exc:
        raise FleetFileError(str(exc) + _too_large_hint(path)) from None
    if document is None:
        raise FleetFileError(f"{path}: the file is empty; it needs a list of targets (see docs/fleet.md)")
    return FleetFile(path, text, document)


def _too_large_hint(path: Path) -> str:
    """What to do about a fleet file past its size cap (nothing to add for other problems)."""
    try:
        large = os.stat(path).st_size > FLEET_FILES.max_bytes
    except OSError:
        return ""
    if not large:
        return ""
    return (
        "; a target takes 50 to 200 bytes, so give settings they share once under defaults:, or split the fleet "
        "into several fleet files, one per CI job, and merge their reports with --merge (docs/fleet.md)"
    )


def check_fleet(fleet: FleetFile) -> list[TargetSpec]:
    """Check a parsed fleet file against its schema and make its per-target specs; FleetFileError (one line)."""
    path, document, text = fleet.path, fleet.document, fleet.text
    error = best_match(store().validator(FLEET_FILE_SCHEMA).iter_errors(document))
    if error is not None:
        raise FleetFileError(f"{path}: {_where(document, error)}: {_message(error, text)}")
    defaults: dict[str, Any] = document.get("defaults") or {}
    specs = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(document["targets"], start=1):
        name = entry["name"]
        if name in seen:
            raise FleetFileError(
                f"{path}: target {index} ({name}), field name: target {seen[name]} has the same name; "
                "names must be unique"
            )
        seen[name] = index
        specs.append(_spec(path, index, {**defaults, **entry}))
    return specs


def load_fleet(path: Path) -> list[TargetSpec]:
    """Read and check a fleet file; raise FleetFileError with one line when it is unusable."""
    return check_fleet(read_fleet(path))


def _where(document: Any, error: ValidationError) -> str:
    """Name the entry and field an error is about: ``target 2 (staging), field base_url``."""
    path = list(error.absolute_path)
    if error.validator in ("unevaluatedProperties", "additionalProperties") and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        allowed = set(schema.get("properties", {})) | (_settings_fields() if path else set())
        path += sorted(k for k in error.instance if k not in allowed)[:1]
    if len(path) >= 2 and path[0] == "targets" and isinstance(path[1], int):
        entry = document["targets"][path[1]]
        name = entry.get("name") if isinstance(entry, dict) else None
        label = f"target {path[1] + 1}" + (f" ({name})" if isinstance(name, str) else "")
        rest = path[2:]
    elif path and path[0] == "defaults":
        label, rest = "defaults", path[1:]
    else:
        return "top level" if not path else f"field {'.'.join(str(p) for p in path)}"
    return f"{label}, field {'.'.join(str(p) for p in rest)}" if rest else label


def _settings_fields() -> set[str]:
    return set(store().documents[FLEET_FILE_SCHEMA]["$defs"]["settings"]["properties"])


def _message(error: ValidationError, text: str) -> str:
    """The problem in words; never a value under ``env:`` (it may be a pasted secret) nor a URL's password."""
    path = list(error.absolute_path)
    field_name = path[-1] if path else None
    if "env" in path[2:3] and "propertyNames" not in error.schema_path:
        return _env_message(path)
    if field_name == "rc_version" and isinstance(error.instance, int | float):
        written = _written(text, path) or str(error.instance)
        return f'write the version as a quoted string ("{written}"); YAML reads 7.10 as the number 7.1'
    if error.validator in ("unevaluatedProperties", "additionalProperties"):
        return "unknown field (see schemas/fleet/fleet-file.schema.json for the fields a target takes)"
    if field_name == "base_url" and error.validator == "pattern" and isinstance(error.instance, str):
        return f"{without_userinfo(error.instance, f'{MASK}@')!r} is not an http:// or https:// URL"
    if error.validator == "required":
        return error.message.replace("is a required property", "is missing")
    return error.message


def _env_message(path: list[Any]) -> str:
    if len(path) == 3:
        return "give a mapping of suite variables to the names of the variables that hold them (not the secrets)"
    return (
        "the value does not look like a variable name (upper-case letters, digits and _, e.g. STAGING_BOT_TOKEN); "
        "write the name of the variable that holds the secret, never the secret itself"
    )


def _written(text: str, path: list[Any]) -> str | None:
    """The scalar at ``path`` as the file writes it (``7.10``, which YAML reads as the number 7.1)."""
    node: Any = yaml.compose(text, Loader=yaml.SafeLoader)
    for step in path:
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            return None
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _spec(path: Path, index: int, entry: dict[str, Any]) -> TargetSpec:
    ca_bundle = None
    if "ca_bundle" in entry:
        ca_bundle = (path.parent / entry["ca_bundle"]).resolve()
        if not ca_bundle.is_file():
            raise FleetFileError(
                f"{path}: target {index} ({entry['name']}), field ca_bundle: no such file {entry['ca_bundle']!r} "
                f"(relative paths are read from {path.parent})"
            )
    return TargetSpec(
        name=entry["name"],
        base_url=entry["base_url"],
        env_prefix=entry.get("env_prefix"),
        env=dict(entry.get("env", {})),
        rc_version=entry.get("rc_version"),
        ca_bundle=ca_bundle,
        request_timeout=entry.get("request_timeout"),
        flags=frozenset(flag for flag in FLAGS if entry.get(flag)),
    )
