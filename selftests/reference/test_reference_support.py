"""Shared helpers and expected bodies for the reference-server self-tests (no tests here).

The expected bodies are literals copied from the behaviour document
(../shared/reference/rocketchat-behaviour.md §2, §6): the independent check of the data files.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from rocketchat_contract.reference import Account, ReferenceServer

RESTIVUS_401 = {"status": "error", "message": "You must be logged in to do this."}
HONO_401 = {
    "success": False,
    "error": "You must be logged in to do this.",
    "status": "error",
    "message": "You must be logged in to do this.",
}
BREAKING_401 = {"success": False, "error": "You must be logged in to do this."}
DOCUMENTED_401 = {"success": False, "error": "unauthorized"}
FORBIDDEN_403 = {
    "success": False,
    "error": "User does not have the permissions required for this action [error-unauthorized]",
}
FORBIDDEN_403_TYPED = {**FORBIDDEN_403, "errorType": "error-forbidden"}
ACTION_NOT_ALLOWED_400 = {
    "success": False,
    "error": "Importing is not allowed [error-action-not-allowed]",
    "errorType": "error-action-not-allowed",
    "details": {"method": "setupImporter"},
}
NOT_FOUND_OBJECT = {
    "success": False,
    "error": "Import Operation Not Found [error-operation-not-found]",
    "errorType": "error-operation-not-found",
    "details": {"method": "getImportProgress"},
}
NOT_FOUND_STRING = {
    "success": False,
    "error": "Import Operation Not Found [error-operation-not-found]",
    "errorType": "error-operation-not-found",
    "details": "getImportProgress",
}
INVALID_PARAMS = {
    "success": False,
    "error": "must NOT have additional properties [invalid-params]",
    "errorType": "invalid-params",
}
INVALID_PARAMS_TYPED = {
    "success": False,
    "errorType": "error-invalid-params",
    "error": "must NOT have additional properties",
}
RESTIVUS_405 = {"status": "error", "message": "API endpoint does not exist"}
TOO_MANY = (
    "Error, too many requests. Please slow down. You must wait {n} seconds before trying this endpoint "
    "again. [error-too-many-requests]"
)
LOGIN_FAILED_RESTIVUS = {"status": "error", "error": "Unauthorized", "message": "Unauthorized"}
LOGIN_FAILED_HONO = {"success": False, "error": "Unauthorized", "status": "error", "message": "Unauthorized"}
LOGOUT = {"status": "success", "data": {"message": "You've been logged out!"}}

# What each profile must do, written from the behaviour document (not read from profiles.yaml).
# permission_first: from mid-8.x (PR #39351, §12) the permission check runs before the rate limiter and
# the parameter check. refusal_cache: whether 401/403 carry Cache-Control/Pragma (express: yes; Hono-era
# middlewares: no, §2.5/§12).
ERA: dict[str, dict[str, Any]] = {
    "3.18": {
        "version": "3.18.3",
        "info": "3.18.3",
        "restivus": True,
        "framework": "restivus",
        "e401": RESTIVUS_401,
        "no_permission": (400, ACTION_NOT_ALLOWED_400),
        "not_found": NOT_FOUND_OBJECT,
        "params_checked": False,
        "counts": "zero",
        "permission_first": False,
        "refusal_cache": False,
    },
    "5.4": {
        "version": "5.4.9",
        "info": "5.4",
        "restivus": True,
        "framework": "restivus",
        "e401": RESTIVUS_401,
        "no_permission": (403, FORBIDDEN_403),
        "not_found": NOT_FOUND_STRING,
        "params_checked": True,
        "counts": "zero",
        "permission_first": False,
        "refusal_cache": False,
    },
    "6.2": {
        "version": "6.2.10",
        "info": "6.2",
        "restivus": True,
        "framework": "restivus",
        "e401": RESTIVUS_401,
        "no_permission": (403, FORBIDDEN_403),
        "not_found": NOT_FOUND_STRING,
        "params_checked": True,
        "counts": "zero",
        "permission_first": False,
        "refusal_cache": False,
    },
    "6.13": {
        "version": "6.13.1",
        "info": "6.13",
        "restivus": True,
        "framework": "restivus",
        "e401": RESTIVUS_401,
        "no_permission": (403, FORBIDDEN_403),
        "not_found": NOT_FOUND_STRING,
        "params_checked": True,
        "counts": "counted",
        "permission_first": False,
        "refusal_cache": False,
    },
    "7.3": {
        "version": "7.3.0",
        "info": "7.3",
        "restivus": True,
        "framework": "restivus",
        "e401": RESTIVUS_401,
        "no_permission": (403, FORBIDDEN_403),
        "not_found": NOT_FOUND_STRING,
        "params_checked": True,
        "counts": "counted",
        "permission_first": False,
        "refusal_cache": False,
    },
    "7.5": {
        "version": "7.5.0",
        "info": "7.5",
        "restivus": False,
        "framework": "express",
        "e401": HONO_401,
        "no_permission": (403, FORBIDDEN_403),
        "not_found": NOT_FOUND_STRING,
        "params_checked": True,
        "counts": "counted",
        "permission_first": False,
        "refusal_cache": True,
    },
    "8.8": {
        "version": "8.8.1",
        "info": "8.8",
        "restivus": False,
        "framework": "hono",
        "e401": HONO_401,
        "no_permission": (403, FORBIDDEN_403),
        "not_found": NOT_FOUND_STRING,
        "params_checked": True,
        "counts": "counted",
        "permission_first": True,
        "refusal_cache": False,
    },
    "9.0": {
        "version": "9.0.0",
        "info": "9.0",
        "restivus": False,
        "framework": "hono",
        "e401": BREAKING_401,
        "no_permission": (403, FORBIDDEN_403),
        "not_found": NOT_FOUND_STRING,
        "params_checked": True,
        "invalid_params": INVALID_PARAMS_TYPED,
        "counts": "counted",
        "permission_first": True,
        "refusal_cache": False,
    },
    "documented": {
        "version": "8.8.1",
        "info": "8.8",
        "restivus": False,
        "framework": "hono",
        "e401": DOCUMENTED_401,
        "no_permission": (403, FORBIDDEN_403),
        "not_found": NOT_FOUND_STRING,
        "params_checked": True,
        "counts": "documented",
        "permission_first": True,
        "refusal_cache": False,
    },
}
PRE_3 = {"version": "2.4.14", "info": "2.4.14", "restivus": True, "framework": "restivus"}
ENDPOINT_PROFILES = tuple(ERA)
PROGRESS = "/api/v1/getImportProgress"


def compact(body: Any) -> str:
    """The exact text Rocket.Chat's JSON.stringify writes for ``body`` (key order included)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def creds(account: Account) -> dict[str, str]:
    return {"X-User-Id": account.user_id, "X-Auth-Token": account.token}


def call(
    server: ReferenceServer, method: str, path: str, account: Account | None = None, **kwargs: Any
) -> requests.Response:
    headers = {**(creds(account) if account else {}), **kwargs.pop("headers", {})}
    return requests.request(method, server.url + path, headers=headers, timeout=10, **kwargs)


def assert_json(
    response: requests.Response, status: int, body: Any, *, restivus: bool, cache: bool | None = None
) -> None:
    """Exact status, exact compact body, exact Content-Type, and the era's cache headers (``cache`` overrides)."""
    assert response.status_code == status, response.text
    assert response.text == compact(body)
    assert response.headers["Content-Type"] == "application/json"
    if not restivus if cache is None else cache:
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Pragma"] == "no-cache"
    else:
        assert "Cache-Control" not in response.headers and "Pragma" not in response.headers


def refusal_cache(era: str) -> bool:
    """Whether the era's 401/403 carry Cache-Control/Pragma."""
    return bool(ERA[era]["refusal_cache"]) if era in ERA else False


def import_operator(server: ReferenceServer) -> Account:
    """A user that holds run-import but not api-bypass-rate-limit, created and logged in through the API."""
    admin = server.accounts["admin"]
    fields = {"name": "Operator", "email": "op@example.com", "password": "pw-op-123456", "username": "operator"}
    created = call(server, "POST", "/api/v1/users.create", admin, json={**fields, "roles": ["import-operator"]})
    assert created.status_code == 200, created.text
    login = call(server, "POST", "/api/v1/login", json={"user": "operator", "password": fields["password"]})
    data = login.json()["data"]
    return Account(data["userId"], "operator", fields["password"], data["authToken"])
