"""The contract suite against every reference profile: exit status and the verdict of every clause."""

from __future__ import annotations

import pytest
from suite_runner import OPERATION, prepare, run_suite

from rocketchat_contract.reference import Knobs, ReferenceServer

C, D, V, N = "conforms", "known-drift", "violation", "not-verified"
SUCCESS = ("success.response", "success.content-type", "success.step", "success.counts")
COMMON = {
    "errors.no-leak": C,
    "errors.json": C,
    "robustness.no-server-error": C,
    "method.get-only": C,
    "endpoint.exists": C,
    **dict.fromkeys(SUCCESS, C),
}
AUTH_DRIFT = dict.fromkeys(
    ("auth.missing", "auth.invalid", "generated.schemathesis", "generated.hostile-credentials"), D
)
"""A release's 401 drift: the generated requests' 401s rest on the same entry (one rule for every clause)."""
EXPECTED = {
    "documented": {**COMMON, **dict.fromkeys(AUTH_DRIFT, C), "permission.run-import": C},
    "9.0": {**COMMON, **AUTH_DRIFT, "permission.run-import": C},
    "8.8": {**COMMON, **AUTH_DRIFT, "permission.run-import": C},
    "7.5": {**COMMON, **AUTH_DRIFT, "permission.run-import": C},
    "7.3": {**COMMON, **AUTH_DRIFT, "permission.run-import": C},
    "6.13": {**COMMON, **AUTH_DRIFT, "permission.run-import": C},
    "6.2": {**COMMON, **AUTH_DRIFT, "permission.run-import": C},
    "5.4": {**COMMON, **AUTH_DRIFT, "permission.run-import": C},
    "3.18": {**COMMON, **AUTH_DRIFT, "permission.run-import": D},
}


@pytest.fixture
def server(reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch) -> ReferenceServer:
    return prepare(monkeypatch, reference_server)


@pytest.mark.parametrize("profile", sorted(EXPECTED))
def test_every_profile_passes_with_the_expected_verdicts(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    prepare(monkeypatch, server, profile)
    result = run_suite(pytester, base_url=server.url)
    assert result.ret == 0, result.text()
    assert result.verdicts == EXPECTED[profile]


@pytest.mark.parametrize("profile", ["3.18", "8.8"])
def test_strict_docs_fails_exactly_the_drift_clauses(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    prepare(monkeypatch, server, profile)
    result = run_suite(pytester, "--strict-docs", base_url=server.url)
    assert result.ret == 1
    drift = {clause for clause, verdict in EXPECTED[profile].items() if verdict == D}
    failed = {line.split("::")[1].split("[")[0] for line in result.outcome.outlines if line.startswith("FAILED ")}
    assert failed == {_TEST_OF[c] for c in drift}, result.text()


_TEST_OF = {
    "auth.missing": "test_missing_credentials_are_refused",
    "auth.invalid": "test_invalid_credentials_are_refused",
    "permission.run-import": "test_user_without_run_import_is_refused",
    "generated.schemathesis": "test_schemathesis_answers_conform",
    "generated.hostile-credentials": "test_hostile_credentials_are_refused",
}


def test_fresh_server_leaves_success_unverified_with_the_remedy(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, "8.8", Knobs(operation=None))
    result = run_suite(pytester, base_url=server.url)
    assert result.ret == 0, result.text()
    for clause in SUCCESS:
        assert result.verdicts[clause] == N
    assert "--seed-import" in result.report["clauses"][0]["detail"]
    result.outcome.stdout.fnmatch_lines(["*SKIPPED*success.response*--seed-import*"])


def test_fresh_server_with_seed_import_verifies_success(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, "6.13", Knobs(operation=None))
    result = run_suite(pytester, "--seed-import", base_url=server.url)
    assert result.ret == 0, result.text()
    for clause in SUCCESS:
        assert result.verdicts[clause] == C
    assert any("--seed-import" in note for note in result.report["notes"])
    result.outcome.stdout.fnmatch_lines(["*--seed-import*created*"])


def test_seed_import_never_replaces_an_existing_operation(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, "8.8", Knobs(operation=OPERATION))
    result = run_suite(pytester, "--seed-import", base_url=server.url)
    assert result.ret == 0, result.text()
    assert not any(r.path.endswith("downloadPendingAvatars") for r in server.requests)


def test_require_verified_fails_unverifiable_clauses(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, user=None)
    result = run_suite(pytester, "--require-verified", base_url=server.url)
    assert result.ret == 1
    assert result.verdicts["permission.run-import"] == N
    result.outcome.stdout.fnmatch_lines(["*FAILED*test_user_without_run_import_is_refused*"])


def test_without_user_credentials_the_permission_clause_says_how_to_verify(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, admin="token", user=None)
    result = run_suite(pytester, base_url=server.url)
    assert result.ret == 0, result.text()
    assert result.verdicts["permission.run-import"] == N
    details = {c["id"]: c["detail"] for c in result.report["clauses"]}
    assert "RC_USER_ID" in details["permission.run-import"] and "--provision-user" in details["permission.run-import"]
    probes = {p["probe"]: p for c in result.report["clauses"] for p in c["probes"]}
    assert probes["logged-out-token"]["verdict"] == N
    assert "never logged out" in probes["logged-out-token"]["detail"]


def test_provision_user_creates_and_deletes_its_user(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, admin="token", user=None)
    before = server.user_ids()
    result = run_suite(pytester, "--provision-user", base_url=server.url)
    assert result.ret == 0, result.text()
    assert result.verdicts["permission.run-import"] == C
    assert result.verdicts["auth.invalid"] == D
    assert server.user_ids() == before
    assert any(r.path.endswith("users.create") for r in server.requests)


def test_given_tokens_are_never_logged_out(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, admin="token", user="token")
    result = run_suite(pytester, base_url=server.url)
    assert result.ret == 0, result.text()
    assert not any(r.path.endswith("/logout") for r in server.requests)


def test_rc_version_override_changes_the_judgement(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, "3.18", Knobs(operation=OPERATION))
    result = run_suite(pytester, "--rc-version", "8.8", base_url=server.url)
    assert result.ret == 1
    assert result.verdicts["auth.missing"] == V
    assert result.verdicts["permission.run-import"] == V


def test_unknown_newer_version_is_judged_as_the_newest_and_says_so(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, "9.0")
    result = run_suite(pytester, "--rc-version", "9.1.0", base_url=server.url)
    assert result.ret == 0, result.text()
    assert result.report["judged_as"] == "9.1.0-rc.5"
    result.outcome.stdout.fnmatch_lines(["*newer than the newest known release*"])


def test_pre_3_0_server_reports_the_endpoint_absent(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, "2.4", Knobs())
    result = run_suite(pytester, base_url=server.url)
    assert result.ret == 0, result.text()
    assert result.verdicts["endpoint.exists"] == C
    assert {v for c, v in result.verdicts.items() if c != "endpoint.exists"} == {N}


def test_rate_limiter_and_real_delays_on(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, "5.4", Knobs(operation=OPERATION, delay_scale=1.0, rate_limit=True))
    result = run_suite(pytester, base_url=server.url)
    assert result.ret == 0, result.text()
    assert result.verdicts == EXPECTED["5.4"]
    user_id = server.accounts["user"].user_id
    calls = [r for r in server.requests if r.path.endswith("getImportProgress") and r.user_id == user_id]
    assert 0 < len(calls) <= 10


def test_rate_limited_user_leaves_the_clause_unverified(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to early 8.x the limiter runs before the permission check (7.5 stands for that interval)."""
    prepare(monkeypatch, server, "7.5", Knobs(operation=OPERATION, rate_limit_calls=0))
    result = run_suite(pytester, "--rate-limit-wait", "0", base_url=server.url)
    assert result.ret == 0, result.text()
    assert result.verdicts["permission.run-import"] == N
    # The reason names the 429, the drift entry it matched and what would verify the clause (a bare "429" anywhere
    # in the output could be a port number).
    assert result.report is not None
    clause = next(c for c in result.report["clauses"] if c["id"] == "permission.run-import")
    assert [(p["probe"], p["verdict"]) for p in clause["probes"]] == [("under-privileged", N)]
    assert "(429, drift entry rate-limited-before-permission)" in clause["detail"], clause["detail"]
    assert "To verify: wait for the window to pass (X-RateLimit-Reset)" in clause["detail"], clause["detail"]


@pytest.mark.parametrize(("profile", "variations"), [("8.8", ()), ("9.0", ()), ("9.0", ("forbidden-error-type",))])
def test_permission_is_checked_before_the_limiter_from_mid_8(
    pytester: pytest.Pytester,
    server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    profile: str,
    variations: tuple[str, ...],
) -> None:
    """PR #39351: with one call a minute allowed, the user without run-import still gets its 403, every time."""
    knobs = Knobs(operation=OPERATION, rate_limit_calls=1, variations=frozenset(variations))
    prepare(monkeypatch, server, profile, knobs)
    result = run_suite(pytester, "--rate-limit-wait", "0", base_url=server.url)
    assert result.ret == 0, result.text()
    assert result.verdicts == EXPECTED[profile]
    user_id = server.accounts["user"].user_id
    refused = [r.status for r in server.requests if r.path.endswith("getImportProgress") and r.user_id == user_id]
    assert refused and set(refused) == {403}
    unverified = [p["probe"] for c in result.report["clauses"] for p in c["probes"] if p["verdict"] == N]
    assert unverified == []
