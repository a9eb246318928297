"""The helper routes of every profile: info, login, logout, me, users.*, import operations, unknown paths."""

from __future__ import annotations

import pytest
from test_reference_support import (
    ERA,
    FORBIDDEN_403,
    LOGIN_FAILED_HONO,
    LOGIN_FAILED_RESTIVUS,
    LOGOUT,
    PRE_3,
    PROGRESS,
    assert_json,
    call,
    refusal_cache,
)

from rocketchat_contract.reference import PROFILES, Knobs, Operation, ReferenceServer

FACTS = {**ERA, "2.4": PRE_3}


@pytest.fixture(params=PROFILES)
def era(request: pytest.FixtureRequest, reference_server: ReferenceServer) -> str:
    reference_server.reset(profile=request.param, knobs=Knobs())
    return str(request.param)


def restivus(era: str) -> bool:
    return bool(FACTS[era]["restivus"])


def test_profiles_are_the_agreed_ones() -> None:
    assert set(PROFILES) == {"2.4", "3.18", "5.4", "6.2", "6.13", "7.3", "7.5", "8.8", "9.0", "documented"}


def test_info_is_anonymous_and_trimmed_from_4_0(reference_server: ReferenceServer, era: str) -> None:
    response = call(reference_server, "GET", "/api/info")
    assert_json(response, 200, {"version": FACTS[era]["info"], "success": True}, restivus=restivus(era))
    assert reference_server.version == FACTS[era]["version"]


def test_reported_version_can_be_newer_than_the_profile(reference_server: ReferenceServer) -> None:
    """The knob behind the upgrade-loop self-tests: a 9.0 server that says it is 9.2.0."""
    reference_server.reset(profile="9.0", knobs=Knobs(version="9.2.0"))
    assert call(reference_server, "GET", "/api/info").json() == {"version": "9.2", "success": True}
    assert reference_server.version == "9.2.0"
    response = call(reference_server, "GET", PROGRESS)
    assert response.json() == ERA["9.0"]["e401"]


@pytest.mark.parametrize("field", ["user", "username", "email"])
def test_password_login(reference_server: ReferenceServer, era: str, field: str) -> None:
    account = reference_server.accounts["user"]
    login = f"{account.username}@example.com" if field == "email" else account.username
    response = call(reference_server, "POST", "/api/v1/login", json={field: login, "password": account.password})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == (["status", "data"] if restivus(era) else ["status", "data", "success"])
    assert body["status"] == "success" and body.get("success", True) is True
    data = body["data"]
    assert data["userId"] == account.user_id and data["authToken"] != account.token
    assert data["me"]["username"] == account.username
    me = call(
        reference_server,
        "GET",
        "/api/v1/me",
        headers={"X-User-Id": data["userId"], "X-Auth-Token": data["authToken"]},
    )
    assert me.status_code == 200


def test_resume_login_returns_the_same_token(reference_server: ReferenceServer, era: str) -> None:
    account = reference_server.accounts["admin"]
    response = call(reference_server, "POST", "/api/v1/login", json={"resume": account.token})
    assert response.status_code == 200
    assert response.json()["data"]["authToken"] == account.token


def test_wrong_password(reference_server: ReferenceServer, era: str) -> None:
    response = call(reference_server, "POST", "/api/v1/login", json={"user": "user", "password": "wrong"})
    expected = LOGIN_FAILED_RESTIVUS if restivus(era) else LOGIN_FAILED_HONO
    assert_json(response, 401, expected, restivus=restivus(era))


@pytest.mark.parametrize("method", ["email", "totp", "password"])
def test_two_factor_user_gets_totp_required_naming_the_method(
    reference_server: ReferenceServer, era: str, method: str
) -> None:
    reference_server.reset(knobs=Knobs(two_factor=frozenset({"user"}), two_factor_method=method))
    account = reference_server.accounts["user"]
    response = call(reference_server, "POST", "/api/v1/login", json={"user": "user", "password": account.password})
    assert response.status_code == 401
    assert response.json()["error"] == "totp-required"
    assert response.json()["details"]["method"] == method
    assert response.json().get("success", False) is False


def test_an_unknown_two_factor_method_is_refused(reference_server: ReferenceServer) -> None:
    with pytest.raises(ValueError, match="unknown two-factor method 'sms'"):
        reference_server.reset(knobs=Knobs(two_factor_method="sms"))


def test_form_encoded_login(reference_server: ReferenceServer, era: str) -> None:
    account = reference_server.accounts["user"]
    response = call(reference_server, "POST", "/api/v1/login", data={"user": "user", "password": account.password})
    if restivus(era) or FACTS[era]["framework"] == "express":  # JSON-only login came with 7.6.0
        assert response.status_code == 200
    else:
        assert_json(response, 401, LOGIN_FAILED_HONO, restivus=False)


def test_logout_revokes_the_token(reference_server: ReferenceServer, era: str) -> None:
    account = reference_server.accounts["user"]
    assert_json(call(reference_server, "POST", "/api/v1/logout", account), 200, LOGOUT, restivus=restivus(era))
    assert call(reference_server, "GET", "/api/v1/me", account).status_code == 401


def test_me(reference_server: ReferenceServer, era: str) -> None:
    account = reference_server.accounts["admin"]
    response = call(reference_server, "GET", "/api/v1/me", account)
    assert response.status_code == 200
    body = response.json()
    assert body["_id"] == account.user_id and body["username"] == "admin"
    assert body["roles"] == ["admin"] and body["success"] is True


def test_users_create_and_delete(reference_server: ReferenceServer, era: str) -> None:
    admin, user = reference_server.accounts["admin"], reference_server.accounts["user"]
    new = {"name": "Probe", "email": "probe@example.com", "password": "pw-123456", "username": "probe"}
    refused = call(reference_server, "POST", "/api/v1/users.create", user, json=new)
    assert_json(refused, 403, FORBIDDEN_403, restivus=restivus(era), cache=refusal_cache(era))
    created = call(reference_server, "POST", "/api/v1/users.create", admin, json=new)
    assert created.status_code == 200
    body = created.json()
    assert list(body) == ["user", "success"] and body["success"] is True
    assert body["user"]["username"] == "probe" and body["user"]["roles"] == ["user"]
    assert body["user"]["_id"] in reference_server.user_ids()
    login = call(reference_server, "POST", "/api/v1/login", json={"user": "probe", "password": "pw-123456"})
    assert login.status_code == 200
    deleted = call(reference_server, "POST", "/api/v1/users.delete", admin, json={"userId": body["user"]["_id"]})
    assert_json(deleted, 200, {"success": True}, restivus=restivus(era))
    assert body["user"]["_id"] not in reference_server.user_ids()
    refused = call(reference_server, "POST", "/api/v1/users.delete", user, json={"username": "admin"})
    assert refused.status_code == 403


def test_verified_new_user_gets_email_two_factor(reference_server: ReferenceServer, era: str) -> None:
    admin = reference_server.accounts["admin"]
    new = {"name": "V", "email": "v@example.com", "password": "pw-123456", "username": "v", "verified": True}
    assert call(reference_server, "POST", "/api/v1/users.create", admin, json=new).status_code == 200
    login = call(reference_server, "POST", "/api/v1/login", json={"user": "v", "password": "pw-123456"})
    assert login.status_code == 401 and login.json()["error"] == "totp-required"
    assert login.json()["details"]["method"] == "email"


def test_download_pending_avatars_creates_an_operation(reference_server: ReferenceServer, era: str) -> None:
    reference_server.reset(knobs=Knobs(operation=Operation("csv", "importer_done", 3, 3)))
    admin, user = reference_server.accounts["admin"], reference_server.accounts["user"]
    assert call(reference_server, "POST", "/api/v1/downloadPendingAvatars", user).status_code == 403
    response = call(reference_server, "POST", "/api/v1/downloadPendingAvatars", admin)
    assert_json(response, 200, {"count": 0, "success": True}, restivus=restivus(era))
    operations = call(reference_server, "GET", "/api/v1/getLatestImportOperations", admin).json()
    assert [o["importerKey"] for o in operations] == ["pending-avatars", "csv"]
    clears = era not in ("2.4", "3.18", "5.4")
    assert operations[1]["valid"] is (not clears)
    assert call(reference_server, "GET", "/api/v1/getLatestImportOperations", user).status_code == 403
    if era == "2.4":
        return
    progress = call(reference_server, "GET", PROGRESS, admin).json()
    assert progress["key"] == "pending-avatars" and progress["name"] == "Pending Avatars"
    assert progress["step"] == "importer_done"
    assert progress["count"]["completed"] == 0 and progress["count"]["total"] == 0


def test_unknown_route(reference_server: ReferenceServer, era: str) -> None:
    response = call(reference_server, "GET", "/api/v1/no.such.route", reference_server.accounts["admin"])
    if FACTS[era]["framework"] in ("restivus", "express"):  # both fall through to Meteor's web page
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    else:
        assert response.status_code == 404
        assert response.text == "404 Not Found"
        assert response.headers["Content-Type"] == "text/plain; charset=UTF-8"


def test_helper_routes_need_credentials(reference_server: ReferenceServer, era: str) -> None:
    for method, path in [
        ("GET", "/api/v1/me"),
        ("POST", "/api/v1/logout"),
        ("POST", "/api/v1/users.create"),
        ("GET", "/api/v1/getLatestImportOperations"),
    ]:
        response = call(reference_server, method, path)
        assert response.status_code == 401
        assert response.json() == (FACTS[era].get("e401") or ERA["3.18"]["e401"])


def test_request_log(reference_server: ReferenceServer) -> None:
    admin = reference_server.accounts["admin"]
    call(reference_server, "GET", PROGRESS, admin)
    call(reference_server, "GET", PROGRESS)
    logged = [(r.method, r.path, r.user_id, r.status) for r in reference_server.requests]
    assert logged == [("GET", PROGRESS, admin.user_id, 400), ("GET", PROGRESS, None, 401)]
