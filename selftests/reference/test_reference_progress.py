"""GET /api/v1/getImportProgress on every profile: the behaviour document's summary matrix (§2.10)."""

from __future__ import annotations

import time

import pytest
from test_reference_support import (
    ENDPOINT_PROFILES,
    ERA,
    FORBIDDEN_403,
    FORBIDDEN_403_TYPED,
    INVALID_PARAMS,
    PROGRESS,
    RESTIVUS_405,
    TOO_MANY,
    assert_json,
    call,
    compact,
    import_operator,
    refusal_cache,
)

from rocketchat_contract.contract.schemas import store
from rocketchat_contract.reference import Knobs, Operation, ReferenceServer

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


@pytest.fixture(params=ENDPOINT_PROFILES)
def era(request: pytest.FixtureRequest, reference_server: ReferenceServer) -> str:
    reference_server.reset(profile=request.param, knobs=Knobs())
    return str(request.param)


def bad_credentials(server: ReferenceServer) -> dict[str, dict[str, str]]:
    admin, user = server.accounts["admin"], server.accounts["user"]
    return {
        "none": {},
        "user-id-only": {"X-User-Id": admin.user_id},
        "token-only": {"X-Auth-Token": admin.token},
        "wrong-token": {"X-User-Id": admin.user_id, "X-Auth-Token": "x" * 43},
        "foreign-token": {"X-User-Id": user.user_id, "X-Auth-Token": admin.token},
        "unknown-user": {"X-User-Id": "nobody", "X-Auth-Token": admin.token},
        "empty": {"X-User-Id": "", "X-Auth-Token": ""},
    }


def test_bad_credentials_get_the_era_401(reference_server: ReferenceServer, era: str) -> None:
    expected = ERA[era]
    for label, headers in bad_credentials(reference_server).items():
        response = call(reference_server, "GET", PROGRESS, headers=headers)
        assert_json(response, 401, expected["e401"], restivus=expected["restivus"], cache=refusal_cache(era))
        assert not any(h in response.headers for h in RATE_HEADERS), label


def test_user_without_run_import(reference_server: ReferenceServer, era: str) -> None:
    status, body = ERA[era]["no_permission"]
    response = call(reference_server, "GET", PROGRESS, reference_server.accounts["user"])
    cache = refusal_cache(era) if status == 403 else not ERA[era]["restivus"]
    assert_json(response, status, body, restivus=ERA[era]["restivus"], cache=cache)
    if ERA[era]["permission_first"]:  # refused before the rate limiter runs: no quota used, no headers
        assert not any(h in response.headers for h in RATE_HEADERS)
    else:
        assert response.headers["X-RateLimit-Limit"] == "10"


def test_admin_on_a_fresh_server_gets_operation_not_found(reference_server: ReferenceServer, era: str) -> None:
    response = call(reference_server, "GET", PROGRESS, reference_server.accounts["admin"])
    assert_json(response, 400, ERA[era]["not_found"], restivus=ERA[era]["restivus"])
    assert not any(h in response.headers for h in RATE_HEADERS)


def test_admin_with_an_operation_gets_the_progress(reference_server: ReferenceServer, era: str) -> None:
    operation = Operation.parse("csv:importer_importing_messages:120/500/7")
    reference_server.reset(knobs=Knobs(operation=operation))
    count = {
        "zero": {"completed": 0, "total": 0},
        "counted": {"completed": 120, "total": 500, "error": 7},
        "documented": {"completed": 120, "total": 500},
    }[ERA[era]["counts"]]
    expected = {
        "key": "csv",
        "name": "CSV",
        "step": "importer_importing_messages",
        "count": count,
        "success": True,
    }
    response = call(reference_server, "GET", PROGRESS, reference_server.accounts["admin"])
    assert_json(response, 200, expected, restivus=ERA[era]["restivus"])
    schema = "observed/progress-counted.schema.json" if count.get("error") == 7 else "documented/progress.schema.json"
    assert store().problem(schema, response.json()) is None


def test_any_query_parameter(reference_server: ReferenceServer, era: str) -> None:
    """A cache-buster gets 400: the legacy body from the action, the typed router's (9.0) without cache headers."""
    response = call(reference_server, "GET", PROGRESS + "?_=123", reference_server.accounts["admin"])
    typed = ERA[era].get("invalid_params")
    expected = typed or (INVALID_PARAMS if ERA[era]["params_checked"] else ERA[era]["not_found"])
    assert_json(response, 400, expected, restivus=ERA[era]["restivus"], cache=False if typed else None)
    logged = [r for r in reference_server.requests if r.path == PROGRESS]
    assert [r.query for r in logged] == ["_=123"]


def test_query_parameter_against_the_permission_check(reference_server: ReferenceServer, era: str) -> None:
    """Up to early 8.x the parameters are checked first (400); from mid-8.x the permission is (403)."""
    response = call(reference_server, "GET", PROGRESS + "?importerKey=csv", reference_server.accounts["user"])
    if ERA[era]["permission_first"]:
        assert_json(response, 403, FORBIDDEN_403, restivus=False, cache=refusal_cache(era))
    elif ERA[era]["params_checked"]:
        assert_json(response, 400, INVALID_PARAMS, restivus=ERA[era]["restivus"])
    else:
        assert response.status_code == ERA[era]["no_permission"][0]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_unsupported_methods(reference_server: ReferenceServer, era: str, method: str) -> None:
    response = call(reference_server, method, PROGRESS)
    if ERA[era]["framework"] == "restivus":
        assert_json(response, 405, RESTIVUS_405, restivus=True)
        assert response.headers["Allow"] == "GET, OPTIONS"
    elif ERA[era]["framework"] == "express":
        assert response.status_code == 405
        assert response.content == b""
        assert response.headers["Allow"] == "OPTIONS, GET, HEAD"
        assert "Content-Type" not in response.headers
    else:
        assert response.status_code == 404
        assert response.text == "404 Not Found"
        assert response.headers["Content-Type"] == "text/plain; charset=UTF-8"
        assert "Cache-Control" not in response.headers


def test_eleventh_call_in_a_minute_is_429(reference_server: ReferenceServer, era: str) -> None:
    """The limiter's 429 and headers; from mid-8.x it is reached only by callers that hold run-import."""
    if ERA[era]["permission_first"]:
        caller = import_operator(reference_server)
        status, body = 400, ERA[era]["not_found"]
    else:
        caller = reference_server.accounts["user"]
        status, body = ERA[era]["no_permission"]
    cache = refusal_cache(era) if status == 403 else not ERA[era]["restivus"]
    before_ms = time.time() * 1000
    for remaining in range(9, -1, -1):
        response = call(reference_server, "GET", PROGRESS, caller)
        assert_json(response, status, body, restivus=ERA[era]["restivus"], cache=cache)
        assert response.headers["X-RateLimit-Remaining"] == str(remaining)
    response = call(reference_server, "GET", PROGRESS, caller)
    assert response.status_code == 429
    assert response.json() in [{"success": False, "error": TOO_MANY.format(n=n)} for n in (59, 60)]
    assert_json(response, 429, response.json(), restivus=ERA[era]["restivus"])
    assert response.headers["X-RateLimit-Limit"] == "10"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    reset_ms = int(response.headers["X-RateLimit-Reset"])
    assert before_ms + 58_000 <= reset_ms <= before_ms + 61_000
    assert store().problem("observed/too-many-requests.schema.json", response.json()) is None


@pytest.mark.parametrize("era", [p for p in ENDPOINT_PROFILES if ERA[p]["permission_first"]])
def test_user_without_run_import_is_never_limited_from_mid_8(reference_server: ReferenceServer, era: str) -> None:
    """PR #39351: the permission middleware refuses first, so polling never turns the 403 into a 429."""
    reference_server.reset(profile=era, knobs=Knobs())
    user = reference_server.accounts["user"]
    for query in ("", "", "?_=1") * 5:
        response = call(reference_server, "GET", PROGRESS + query, user)
        assert_json(response, 403, FORBIDDEN_403, restivus=False, cache=refusal_cache(era))
        assert not any(h in response.headers for h in RATE_HEADERS)
    operator = import_operator(reference_server)
    assert call(reference_server, "GET", PROGRESS, operator).headers["X-RateLimit-Remaining"] == "9"


def test_forbidden_with_error_type_variation(reference_server: ReferenceServer, era: str) -> None:
    reference_server.reset(knobs=Knobs(variations=frozenset({"forbidden-error-type"})))
    status = ERA[era]["no_permission"][0]
    response = call(reference_server, "GET", PROGRESS, reference_server.accounts["user"])
    if status == 403:
        assert_json(response, 403, FORBIDDEN_403_TYPED, restivus=ERA[era]["restivus"], cache=refusal_cache(era))
        assert list(response.json()) == ["success", "error", "errorType"]
    else:
        assert response.status_code == status


def test_admin_is_never_limited(reference_server: ReferenceServer, era: str) -> None:
    for _ in range(12):
        response = call(reference_server, "GET", PROGRESS, reference_server.accounts["admin"])
        assert response.status_code == 400
        assert not any(h in response.headers for h in RATE_HEADERS)


def test_unauthenticated_calls_do_not_use_quota(reference_server: ReferenceServer, era: str) -> None:
    caller = import_operator(reference_server) if ERA[era]["permission_first"] else reference_server.accounts["user"]
    for _ in range(12):
        assert call(reference_server, "GET", PROGRESS).status_code == 401
    response = call(reference_server, "GET", PROGRESS, caller)
    assert response.headers["X-RateLimit-Remaining"] == "9"


RESTIVUS_SCHEMAS = (
    "observed/unauthorized-restivus.schema.json",
    "observed/forbidden.schema.json",
    "observed/operation-not-found.schema.json#/$defs/details-string",
)
SCHEMAS = {
    "3.18": (
        "observed/unauthorized-restivus.schema.json",
        "observed/action-not-allowed.schema.json",
        "observed/operation-not-found.schema.json#/$defs/details-object",
    ),
    "5.4": RESTIVUS_SCHEMAS,
    "6.2": RESTIVUS_SCHEMAS,
    "6.13": RESTIVUS_SCHEMAS,
    "7.3": RESTIVUS_SCHEMAS,
    "7.5": ("observed/unauthorized-compat.schema.json", *RESTIVUS_SCHEMAS[1:]),
    "8.8": ("observed/unauthorized-compat.schema.json", *RESTIVUS_SCHEMAS[1:]),
    "9.0": ("observed/unauthorized-breaking.schema.json", *RESTIVUS_SCHEMAS[1:]),
    "documented": ("documented/unauthorized.schema.json", *RESTIVUS_SCHEMAS[1:]),
}


def test_error_bodies_validate_against_the_schemas(reference_server: ReferenceServer, era: str) -> None:
    admin, user = reference_server.accounts["admin"], reference_server.accounts["user"]
    bodies = [call(reference_server, "GET", PROGRESS, account).json() for account in (None, user, admin)]
    for schema, body in zip(SCHEMAS[era], bodies, strict=True):
        assert store().problem(schema, body) is None, schema


def test_importer_not_registered(reference_server: ReferenceServer, era: str) -> None:
    reference_server.reset(knobs=Knobs(operation=Operation("hipchatenterprise", "importer_done")))
    response = call(reference_server, "GET", PROGRESS, reference_server.accounts["admin"])
    if era in ("3.18", "5.4", "6.2", "6.13"):
        assert response.status_code == 200
        assert response.json()["name"] == "HipChat (tar.gz)"
        return
    expected = {
        "success": False,
        "error": "The importer (hipchatenterprise) has no import class defined. [error-importer-not-defined]",
        "errorType": "error-importer-not-defined",
        "details": "getImportProgress",
    }
    assert_json(response, 400, expected, restivus=ERA[era]["restivus"])


def test_pre_3_server_has_no_such_endpoint(reference_server: ReferenceServer) -> None:
    reference_server.reset(profile="2.4")
    response = call(reference_server, "GET", PROGRESS, reference_server.accounts["admin"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.text.startswith("<!DOCTYPE html>")


def test_step_set_per_era(reference_server: ReferenceServer) -> None:
    reference_server.reset(profile="7.3", knobs=Knobs(operation=Operation("csv", "importer_importing_contacts")))
    assert call(reference_server, "GET", PROGRESS, reference_server.accounts["admin"]).status_code == 200
    with pytest.raises(ValueError, match="steps-18"):
        reference_server.reset(profile="6.13", knobs=Knobs(operation=Operation("csv", "importer_importing_contacts")))


def test_variations_keep_the_content(reference_server: ReferenceServer) -> None:
    knobs = Knobs(operation=Operation("csv", "importer_done", 3, 3), variations=frozenset({"reorder", "charset"}))
    reference_server.reset(profile="8.8", knobs=knobs)
    response = call(reference_server, "GET", PROGRESS, reference_server.accounts["admin"])
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert list(response.json()) == ["success", "count", "step", "name", "key"]
    assert response.text != compact(
        {
            "key": "csv",
            "name": "CSV",
            "step": "importer_done",
            "count": {"completed": 3, "total": 3, "error": 0},
            "success": True,
        }
    )
    reference_server.reset(knobs=Knobs(operation=knobs.operation, variations=frozenset({"pretty", "extra-fields"})))
    response = call(reference_server, "GET", PROGRESS, reference_server.accounts["admin"])
    assert "\n  " in response.text
    body = response.json()
    assert set(body) > {"key", "name", "step", "count", "success"} and set(body["count"]) > {
        "completed",
        "total",
    }
