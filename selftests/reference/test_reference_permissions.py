"""GET /api/v1/permissions.listAll on every profile, and the operator's revoked grant (Knobs.revoked).

The facts (rocketchat-behaviour.md §6; RC app/api/server/v1/permissions.js and the later permissions.ts): the route
exists since 0.73.0, needs a logged-in account and no permission, and answers ``{update, remove, success}`` in
every era, ``update`` listing each permission as ``{_id, roles, _updatedAt}``; by default only ``admin`` holds
run-import. ``updatedSince`` limits ``update`` to what changed after it.
"""

from __future__ import annotations

import re

import pytest
from test_reference_support import ERA, PRE_3, PROGRESS, assert_json, call, import_operator, refusal_cache

from rocketchat_contract.reference import PROFILES, Knobs, Operation, ReferenceServer

FACTS = {**ERA, "2.4": PRE_3}
LIST = "/api/v1/permissions.listAll"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UPDATED_SINCE_INVALID = {
    "success": False,
    "error": 'The "updatedSince" query parameter must be a valid date. [error-roomId-param-invalid]',
    "errorType": "error-roomId-param-invalid",
}


@pytest.fixture(params=PROFILES)
def era(request: pytest.FixtureRequest, reference_server: ReferenceServer) -> str:
    reference_server.reset(profile=request.param, knobs=Knobs())
    return str(request.param)


def _roles(body: dict[str, object], permission: str) -> object:
    listed = body["update"]
    assert isinstance(listed, list)
    return next(entry["roles"] for entry in listed if entry["_id"] == permission)


def test_every_account_reads_the_permission_list(reference_server: ReferenceServer, era: str) -> None:
    for name in ("admin", "user"):
        response = call(reference_server, "GET", LIST, reference_server.accounts[name])
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == "application/json"
        body = response.json()
        assert list(body) == ["update", "remove", "success"]
        assert body["remove"] == [] and body["success"] is True
        for entry in body["update"]:
            assert list(entry) == ["_id", "roles", "_updatedAt"], entry
            assert ISO_MS.match(entry["_updatedAt"]), entry
        assert _roles(body, "run-import") == ["admin", "import-operator"]
        assert _roles(body, "api-bypass-rate-limit") == ["admin", "bot"]


def test_the_list_needs_a_logged_in_account(reference_server: ReferenceServer, era: str) -> None:
    response = call(reference_server, "GET", LIST)
    assert response.status_code == 401
    if era in ERA:
        assert_json(response, 401, ERA[era]["e401"], restivus=bool(FACTS[era]["restivus"]), cache=refusal_cache(era))


def test_updated_since_limits_the_list_and_a_bad_date_is_refused(reference_server: ReferenceServer, era: str) -> None:
    admin = reference_server.accounts["admin"]
    before = call(reference_server, "GET", LIST, admin, params={"updatedSince": "2020-01-01T00:00:00.000Z"}).json()
    assert _roles(before, "run-import") == ["admin", "import-operator"]
    after = call(reference_server, "GET", LIST, admin, params={"updatedSince": "2999-01-01T00:00:00.000Z"}).json()
    assert after == {"update": [], "remove": [], "success": True}
    refused = call(reference_server, "GET", LIST, admin, params={"updatedSince": "yesterday"})
    assert_json(refused, 400, UPDATED_SINCE_INVALID, restivus=bool(FACTS[era]["restivus"]))


def test_the_typed_query_of_9_0_refuses_any_other_parameter(reference_server: ReferenceServer) -> None:
    reference_server.reset(profile="9.0", knobs=Knobs())
    response = call(reference_server, "GET", LIST, reference_server.accounts["admin"], params={"_": "1"})
    assert_json(response, 400, ERA["9.0"]["invalid_params"], restivus=False, cache=False)


@pytest.mark.parametrize("profile", [p for p in PROFILES if p in ERA])
def test_a_revoked_grant_is_gone_from_the_list_and_from_the_check(
    reference_server: ReferenceServer, profile: str
) -> None:
    """An operator took run-import away from admin: the list says so, and the endpoint refuses the admin as it
    refuses any account without the permission; a role that still holds it is let through."""
    knobs = Knobs(operation=Operation.parse("csv:importer_done:3/3"), revoked=frozenset({"admin:run-import"}))
    reference_server.reset(profile=profile, knobs=knobs)
    admin = reference_server.accounts["admin"]
    assert _roles(call(reference_server, "GET", LIST, admin).json(), "run-import") == ["import-operator"]
    status, body = ERA[profile]["no_permission"]
    assert call(reference_server, "GET", PROGRESS, admin).status_code == status
    assert call(reference_server, "GET", PROGRESS, admin).json() == body
    assert call(reference_server, "GET", PROGRESS, import_operator(reference_server)).status_code == 200


def test_revoking_a_grant_a_role_does_not_hold_is_refused(reference_server: ReferenceServer) -> None:
    with pytest.raises(ValueError, match="role 'user' does not hold 'run-import'"):
        reference_server.reset(knobs=Knobs(revoked=frozenset({"user:run-import"})))


def test_the_fault_refuses_run_import_though_the_list_grants_it(reference_server: ReferenceServer) -> None:
    """run-import-refused-to-its-holders: the permission list is the default one, the check refuses everyone."""
    knobs = Knobs(
        operation=Operation.parse("csv:importer_done:3/3"), faults=frozenset({"run-import-refused-to-its-holders"})
    )
    reference_server.reset(profile="8.8", knobs=knobs)
    admin = reference_server.accounts["admin"]
    assert _roles(call(reference_server, "GET", LIST, admin).json(), "run-import") == ["admin", "import-operator"]
    assert call(reference_server, "GET", PROGRESS, admin).status_code == 403
