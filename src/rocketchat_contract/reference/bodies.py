"""The bodies one profile sends, taken from the schemas' examples/templates and ``bodies.yaml``."""

from __future__ import annotations

import copy
from typing import Any

from rocketchat_contract.contract.schemas import store
from rocketchat_contract.reference.model import Operation, User
from rocketchat_contract.reference.profiles import Profile, bodies, importer_names, variations


def _example(path: str, details: Any = None) -> dict[str, Any]:
    """The schema example whose ``details`` has the profile's shape (the first one when none given)."""
    examples = store().examples(path)
    if details is not None:
        examples = [e for e in examples if e.get("details") == details] or examples
    example: dict[str, Any] = copy.deepcopy(examples[0])
    return example


def data(name: str, **fields: str) -> Any:
    """A ``bodies.yaml`` entry with its ``{placeholders}`` filled."""
    value = copy.deepcopy(bodies()[name])
    if isinstance(value, dict):
        return {key: (item.format(**fields) if isinstance(item, str) else item) for key, item in value.items()}
    return value


def unauthenticated(profile: Profile) -> dict[str, Any]:
    return _example(profile.unauthorized)


def forbidden() -> dict[str, Any]:
    return _example("observed/forbidden.schema.json")


def action_not_allowed() -> dict[str, Any]:
    return _example("observed/action-not-allowed.schema.json")


def invalid_params(profile: Profile) -> dict[str, Any]:
    """The 400 for a query parameter: the typed router's, or the legacy check's inside the action."""
    typed = profile.typed_query
    return _example(f"observed/invalid-params{'-typed' if typed else ''}.schema.json")


def method_not_allowed() -> dict[str, Any]:
    return _example("observed/method-not-allowed.schema.json")


def operation_not_found(profile: Profile) -> dict[str, Any]:
    return _example("observed/operation-not-found.schema.json", profile.details_for("getImportProgress"))


def importer_not_defined(profile: Profile, key: str) -> dict[str, Any]:
    path = "observed/importer-not-defined.schema.json"
    body = _example(path, profile.details_for("getImportProgress"))
    body["error"] = store().template(path).format(key=key)
    return body


def too_many_requests(seconds: int) -> dict[str, Any]:
    template = store().template("observed/too-many-requests.schema.json")
    return {"success": False, "error": template.format(seconds=seconds)}


def progress(profile: Profile, operation: Operation, chosen: frozenset[str]) -> dict[str, Any]:
    """The 200 body: key, name, step, count, success, shaped by the profile and the variations."""
    count: dict[str, int] = {"completed": 0, "total": 0}
    if profile.count != "zero":
        count = {"completed": operation.completed, "total": operation.total}
    if profile.count == "counted":
        count["error"] = operation.error
    body: dict[str, Any] = {
        "key": operation.key,
        "name": importer_names()[operation.key],
        "step": operation.step,
        "count": count,
        "success": True,
    }
    table = variations()
    if "extra-fields" in chosen:
        extra = table["extra-fields"]
        count.update(extra["count"])
        body = {**{k: v for k, v in body.items() if k != "success"}, **extra["top"], "success": True}
    if "reorder" in chosen:
        order = table["reorder"]
        body = {key: body[key] for key in order if key in body} | body
    return body


def user_object(user: User, base_url: str) -> dict[str, Any]:
    """The caller's own user document, as /me and login's ``me`` show it."""
    return {
        "_id": user.user_id,
        "name": user.name,
        "emails": [{"address": user.email, "verified": user.verified}],
        "status": "online",
        "statusConnection": "online",
        "username": user.username,
        "utcOffset": 0,
        "active": True,
        "roles": list(user.roles),
        "settings": {"preferences": {}},
        "avatarUrl": f"{base_url}avatar/{user.username}",
    }


def created_user(user: User) -> dict[str, Any]:
    """The ``user`` object users.create answers with."""
    return {
        "_id": user.user_id,
        "createdAt": user.created_at,
        "username": user.username,
        "emails": [{"address": user.email, "verified": user.verified}],
        "type": "user",
        "status": "offline",
        "active": True,
        "_updatedAt": user.created_at,
        "roles": list(user.roles),
        "name": user.name,
        "settings": {},
    }
