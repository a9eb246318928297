"""faults.yaml: every fault is well formed and names a real clause; representative faults change answers."""

from __future__ import annotations

import pytest
from test_reference_support import BREAKING_401, FORBIDDEN_403, HONO_401, PROGRESS, call, compact

from rocketchat_contract.contract.data import contracts_dir, load_yaml
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.reference import FAULTS, Knobs, Operation, ReferenceServer
from rocketchat_contract.reference.faults import switch_names

CLAUSES = {entry["id"] for entry in load_yaml(contracts_dir() / "clauses.yaml")["clauses"]}
REQUIRED = {
    "accept-no-credentials": "auth.missing",
    "one-header-enough": "auth.missing",
    "token-not-bound": "auth.invalid",
    "keep-revoked-tokens": "auth.invalid",
    "accept-empty-token": "auth.invalid",
    "skip-permission-check": "permission.run-import",
    "permission-of-admin": "permission.run-import",
    "swap-401-403-status": "auth.missing",
    "unauthenticated-gets-403-body": "auth.missing",
    "forbidden-gets-401": "permission.run-import",
    "error-body-with-200": "auth.missing",
    "server-error-for-no-operation": "success.response",
    "success-missing-step": "success.response",
    "count-as-strings": "success.response",
    "success-false": "success.response",
    "step-outside-set": "success.step",
    "negative-counts": "success.response",
    "completed-exceeds-total": "success.counts",
    "success-not-json": "success.response",
    "success-wrong-content-type": "success.content-type",
    "forbidden-sentence-changed": "permission.run-import",
    "unauthenticated-success-true": "auth.missing",
    "progress-leaked-into-401": "errors.no-leak",
    "progress-leaked-into-403": "errors.no-leak",
    "error-as-text": "errors.json",
    "server-error-on-long-token": "robustness.no-server-error",
    "server-error-on-empty-token": "robustness.no-server-error",
    "server-error-on-non-ascii": "robustness.no-server-error",
    "server-error-on-injection": "robustness.no-server-error",
    "post-accepted": "method.get-only",
    "regression-restivus-401-on-newest": "auth.missing",
    "regression-400-no-permission-on-newest": "permission.run-import",
    "v9-progress-leaked-into-401": "errors.no-leak",
    "v9-forbidden-sentence-changed": "permission.run-import",
    "v9-permission-denial-as-401": "permission.run-import",
    "v9-limiter-before-permission": "permission.run-import",
    "unauthenticated-new-body": "auth.missing",
}


def test_the_agreed_faults_exist_with_their_clauses() -> None:
    assert {name: FAULTS[name].clause for name in REQUIRED} == REQUIRED


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_is_well_formed(name: str) -> None:
    """A switch, a rewrite or hostile text, exactly one; a clause unless the fault is hostile text no clause judges."""
    fault = FAULTS[name]
    assert (fault.clause is None) == (fault.hostile is not None)
    assert fault.clause is None or fault.clause in CLAUSES
    assert [fault.switch, fault.rewrite, fault.hostile].count(None) == 2
    if fault.hostile is not None:
        assert fault.kind == "hostile-text" and name.startswith("hostile-")
    elif fault.switch is not None:
        assert fault.switch in switch_names()
    else:
        assert fault.rewrite is not None
        if "body_from" in fault.rewrite["then"]:
            assert store().examples(fault.rewrite["then"]["body_from"])


def with_fault(server: ReferenceServer, name: str, **knobs: object) -> None:
    server.reset(profile="8.8", knobs=Knobs(faults=frozenset({name}), **knobs))  # type: ignore[arg-type]


def test_accept_no_credentials_serves_anonymous_as_admin(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "accept-no-credentials")
    assert call(reference_server, "GET", PROGRESS).status_code == 400


def test_token_not_bound(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "token-not-bound")
    user, admin = reference_server.accounts["user"], reference_server.accounts["admin"]
    headers = {"X-User-Id": user.user_id, "X-Auth-Token": admin.token}
    assert call(reference_server, "GET", PROGRESS, headers=headers).status_code == 403


def test_keep_revoked_tokens(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "keep-revoked-tokens")
    user = reference_server.accounts["user"]
    assert call(reference_server, "POST", "/api/v1/logout", user).status_code == 200
    assert call(reference_server, "GET", "/api/v1/me", user).status_code == 200


def test_permission_of_admin(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "permission-of-admin")
    assert call(reference_server, "GET", PROGRESS, reference_server.accounts["user"]).status_code == 400


def test_swap_401_403_status(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "swap-401-403-status")
    response = call(reference_server, "GET", PROGRESS)
    assert response.status_code == 403 and response.text == compact(HONO_401)


def test_forbidden_gets_401(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "forbidden-gets-401")
    response = call(reference_server, "GET", PROGRESS, reference_server.accounts["user"])
    assert response.status_code == 401 and response.json() == HONO_401


def test_completed_exceeds_total(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "completed-exceeds-total", operation=Operation("csv", "importer_done", 3, 3))
    count = call(reference_server, "GET", PROGRESS, reference_server.accounts["admin"]).json()["count"]
    assert count == {"completed": 9, "total": 3, "error": 0}


def test_success_not_json(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "success-not-json", operation=Operation("csv", "importer_done"))
    response = call(reference_server, "GET", PROGRESS, reference_server.accounts["admin"])
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/html"


def test_success_wrong_content_type_keeps_the_json(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "success-wrong-content-type", operation=Operation("csv", "importer_done"))
    response = call(reference_server, "GET", PROGRESS, reference_server.accounts["admin"])
    assert response.headers["Content-Type"] == "text/plain" and response.json()["key"] == "csv"


def test_server_error_on_long_token(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "server-error-on-long-token")
    headers = {"X-User-Id": "x", "X-Auth-Token": "a" * 4096}
    assert call(reference_server, "GET", PROGRESS, headers=headers).status_code == 500
    assert call(reference_server, "GET", PROGRESS, headers={"X-Auth-Token": "short"}).status_code == 401


def test_server_error_on_injection(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "server-error-on-injection")
    headers = {"X-User-Id": "x", "X-Auth-Token": "' OR 1=1"}
    assert call(reference_server, "GET", PROGRESS, headers=headers).status_code == 500


def test_post_accepted(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "post-accepted")
    response = call(reference_server, "POST", PROGRESS)
    assert response.status_code == 200
    assert store().problem("documented/progress.schema.json", response.json()) is None


def test_progress_leaked_into_403(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "progress-leaked-into-403")
    body = call(reference_server, "GET", PROGRESS, reference_server.accounts["user"]).json()
    assert body.items() >= FORBIDDEN_403.items() and "step" in body


def test_regression_400_no_permission_on_newest(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "regression-400-no-permission-on-newest")
    response = call(reference_server, "GET", PROGRESS, reference_server.accounts["user"])
    assert response.status_code == 400 and response.json()["errorType"] == "error-action-not-allowed"


def test_v9_faults_act_on_profile_9_0_only(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "v9-permission-denial-as-401")
    assert call(reference_server, "GET", PROGRESS, reference_server.accounts["user"]).status_code == 403
    reference_server.reset(profile="9.0", knobs=Knobs(faults=frozenset({"v9-permission-denial-as-401"})))
    response = call(reference_server, "GET", PROGRESS, reference_server.accounts["user"])
    assert response.status_code == 401 and response.text == compact(BREAKING_401)
    reference_server.reset(knobs=Knobs(faults=frozenset({"v9-forbidden-sentence-changed"})))
    body = call(reference_server, "GET", PROGRESS, reference_server.accounts["user"]).json()
    assert body == {
        "success": False,
        "error": "You are not allowed to do this [error-forbidden]",
        "errorType": "error-forbidden",
    }


def test_v9_limiter_before_permission(reference_server: ReferenceServer) -> None:
    reference_server.reset(
        profile="9.0", knobs=Knobs(rate_limit_calls=1, faults=frozenset({"v9-limiter-before-permission"}))
    )
    user = reference_server.accounts["user"]
    first = call(reference_server, "GET", PROGRESS, user)
    assert first.status_code == 403 and first.headers["X-RateLimit-Remaining"] == "0"
    assert call(reference_server, "GET", PROGRESS, user).status_code == 429


def test_unauthenticated_new_body(reference_server: ReferenceServer) -> None:
    with_fault(reference_server, "unauthenticated-new-body")
    response = call(reference_server, "GET", PROGRESS)
    assert response.status_code == 401
    assert response.text == compact(
        {"success": False, "error": "Authentication required", "errorType": "error-unauthenticated"}
    )
    # The body comes from the documented schema's example, which the edit must leave alone.
    assert store().examples("documented/unauthorized.schema.json")[0] == {"success": False, "error": "unauthorized"}


def test_unknown_fault_is_refused(reference_server: ReferenceServer) -> None:
    with pytest.raises(ValueError, match="unknown faults"):
        reference_server.reset(knobs=Knobs(faults=frozenset({"no-such-fault"})))


# -- hostile text: what a server sends that a client must show and never obey -----------------------------

CONTROLS = "\x1b]0;pwned\x07"
MARKUP = "![](//e.co) [a](//e.co) <img src=x onerror=alert(1)> www.e.co"


PLACES = {"hostile-401-text", "hostile-403-text", "hostile-401-message", "hostile-header", "hostile-version"}


def test_every_hostile_place_serves_both_payloads() -> None:
    """Each place hostile text can come from has a control-sequence fault and a markup fault."""
    hostile = sorted(name for name, fault in FAULTS.items() if fault.kind == "hostile-text")
    assert hostile == sorted(f"{place}-{payload}" for place in PLACES for payload in ("controls", "markup"))


@pytest.mark.parametrize(
    ("fault", "account", "status"), [("hostile-401-text", None, 401), ("hostile-403-text", "user", 403)]
)
def test_hostile_text_bodies(reference_server: ReferenceServer, fault: str, account: str | None, status: int) -> None:
    for payload, marker in (("controls", CONTROLS), ("markup", MARKUP)):
        with_fault(reference_server, f"{fault}-{payload}")
        who = reference_server.accounts[account] if account else None
        response = call(reference_server, "GET", PROGRESS, who)
        assert response.status_code == status and response.headers["Content-Type"].startswith("text/plain")
        assert marker in response.text


def test_hostile_json_message(reference_server: ReferenceServer) -> None:
    """The message carries the payload, control characters as JSON escapes and a lone surrogate among them."""
    with_fault(reference_server, "hostile-401-message-controls")
    response = call(reference_server, "GET", PROGRESS)
    assert response.status_code == 401 and "\\u001b]0;pwned\\u0007" in response.text
    assert response.json()["message"].startswith("Denied" + CONTROLS) and "\ud800" in response.json()["message"]
    with_fault(reference_server, "hostile-401-message-markup")
    body = call(reference_server, "GET", PROGRESS).json()
    assert MARKUP in body["message"] and MARKUP in body["error"]


def test_hostile_headers_come_with_every_answer(reference_server: ReferenceServer) -> None:
    for payload, marker in (("controls", CONTROLS), ("markup", MARKUP)):
        with_fault(reference_server, f"hostile-header-{payload}")
        for path, account in (("/api/info", None), (PROGRESS, None), (PROGRESS, "admin"), ("/api/v1/nowhere", None)):
            response = call(reference_server, "GET", path, reference_server.accounts[account] if account else None)
            assert marker in response.headers["Server"] and marker in response.headers["Retry-After"], path


def test_hostile_version_is_what_api_info_reports(reference_server: ReferenceServer) -> None:
    for payload, marker in (("controls", CONTROLS), ("markup", MARKUP)):
        with_fault(reference_server, f"hostile-version-{payload}")
        version = call(reference_server, "GET", "/api/info").json()["version"]
        assert version.startswith("8.8.1") and marker in version
    with_fault(reference_server, "hostile-401-text-controls")
    assert call(reference_server, "GET", "/api/info").json()["version"] == "8.8"
