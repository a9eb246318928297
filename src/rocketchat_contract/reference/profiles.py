"""The release profiles the server imitates, read from ``profiles.yaml`` and ``bodies.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from rocketchat_contract.contract.data import load_yaml
from rocketchat_contract.contract.schemas import store

_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Profile:
    """How one Rocket.Chat release behaves on the routes the server knows."""

    name: str
    version: str
    era: str
    framework: Literal["restivus", "express", "hono"]
    endpoint: bool
    permission: Literal["method", "route"]
    details: Literal["object", "string"]
    validate_params: bool
    count: Literal["zero", "counted", "documented"]
    clears_operations: bool
    step_set: str
    importers: tuple[str, ...]
    info: Literal["full", "trimmed"]
    unauthorized: str
    form_login: bool
    permission_first: bool
    refusal_cache_headers: bool
    typed_query: bool = False
    """The route's query schema is checked by the typed router, after the permission middleware and before
    the rate limiter, answering 400 error-invalid-params (else, with validate_params, the legacy check in the
    action answers 400 invalid-params)."""

    @property
    def restivus(self) -> bool:
        return self.framework == "restivus"

    def info_for(self, version: str) -> str:
        """The anonymous ``/api/info`` version: X.Y.Z before 4.0, X.Y from 4.0 (PR #16050)."""
        if self.info == "full":
            return version
        return ".".join(version.split(".")[:2])

    def steps(self) -> list[str]:
        return store().enum(f"observed/progress-step.schema.json#/$defs/{self.step_set}")

    def details_for(self, method: str) -> Any:
        return {"method": method} if self.details == "object" else method


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(_HERE / "profiles.yaml")
    return data


@cache
def bodies() -> dict[str, Any]:
    """The helper-route and non-JSON bodies of ``bodies.yaml``."""
    data: dict[str, Any] = load_yaml(_HERE / "bodies.yaml")
    return data


@cache
def profiles() -> dict[str, Profile]:
    loaded = {}
    for name, entry in _data()["profiles"].items():
        fields = dict(entry)
        fields["importers"] = tuple(fields["importers"])
        loaded[str(name)] = Profile(name=str(name), **fields)
    return loaded


def profile(name: str) -> Profile:
    try:
        return profiles()[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(profiles())}") from None


def default_profile() -> str:
    """The profile that serves when none is named."""
    return str(_data()["default"])


def importer_names() -> dict[str, str]:
    return dict(_data()["importer_names"])


def role_permissions() -> dict[str, frozenset[str]]:
    return {role: frozenset(grants) for role, grants in _data()["roles"].items()}


def variations() -> dict[str, Any]:
    return dict(_data()["variations"])


def unknown_route(framework: str) -> dict[str, Any]:
    return dict(_data()["unknown_route"][framework])
