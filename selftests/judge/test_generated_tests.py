"""The generated tests (tests/test_generated.py) pass on every reference profile and catch the faults they can."""

from __future__ import annotations

import threading
import tomllib
from pathlib import Path

import pytest
import yaml
from suite_runner import OPERATION, SUITE, prepare, run_suite

from rocketchat_contract.client import fuzz as gen
from rocketchat_contract.reference import FAULTS, PROFILES, Knobs, ReferenceServer

GENERATED = str(SUITE / "test_generated.py")
MIN_DELAY = 0.5
"""The shortest delay Restivus-era servers (and the 3.18 profile) hold a 401 back."""
GENERATED_CLAUSES = ("generated.schemathesis", "generated.hostile-credentials")

# Faults the generated tests cannot see: they need the under-privileged account's own credentials, which
# the generated tests never send (a non-admin is rate limited; the hand-written permission probe covers it).
NEEDS_UNDER_PRIVILEGED = {
    "skip-permission-check",
    "permission-of-admin",
    "forbidden-gets-401",
    "forbidden-sentence-changed",
    "progress-leaked-into-403",
    "regression-400-no-permission-on-newest",
    "v9-forbidden-sentence-changed",
    "v9-permission-denial-as-401",
    "v9-limiter-before-permission",
    "hostile-403-text-controls",
    "hostile-403-text-markup",
}
BREAKING = {name for name, fault in FAULTS.items() if fault.clause}
"""Faults that break a clause (hostile text in headers or the version breaks none: test_hostile_text.py)."""
CAUGHT = sorted(BREAKING - NEEDS_UNDER_PRIVILEGED)
# A fault that only shows on a server without an import operation.
FRESH_SERVER = {"server-error-for-no-operation"}
# The profile a fault acts on (the mutation catalogue's setup; 8.8 unless it says otherwise).
CATALOGUE = yaml.safe_load((Path(__file__).resolve().parents[1] / "catalogue.yaml").read_text())
FAULT_PROFILE = {name: str(setup["profile"]) for name, setup in CATALOGUE["fault_setup"].items() if "profile" in setup}


@pytest.fixture
def server(reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch) -> ReferenceServer:
    return prepare(monkeypatch, reference_server)


def test_every_fault_is_classified() -> None:
    assert set(CAUGHT) | NEEDS_UNDER_PRIVILEGED == BREAKING
    assert all(FAULTS[name].clause == "permission.run-import" or "403" in name for name in NEEDS_UNDER_PRIVILEGED)


@pytest.mark.parametrize("profile", sorted(set(PROFILES) - {"2.4"}))
def test_generated_tests_pass_on_every_profile(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    prepare(monkeypatch, server, profile)
    # The whole suite's verdicts per profile are pinned in test_suite_verdicts.py; here the generated module
    # runs on its own.
    result = run_suite(pytester, GENERATED, base_url=server.url)
    assert result.ret == 0, result.text()
    # Known drift where the release's 401 body is drift (every profile but "documented"): still a pass.
    expected = "conforms" if profile == "documented" else "known-drift"
    assert {c: result.verdicts[c] for c in GENERATED_CLAUSES} == dict.fromkeys(GENERATED_CLAUSES, expected)


@pytest.mark.parametrize("fault", CAUGHT)
def test_generated_tests_catch_the_fault(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    operation = None if fault in FRESH_SERVER else OPERATION
    prepare(monkeypatch, server, FAULT_PROFILE.get(fault, "8.8"), Knobs(operation=operation, faults=frozenset({fault})))
    result = run_suite(pytester, GENERATED, base_url=server.url)
    assert result.ret == 1, result.text()
    failed = [line for line in result.outcome.outlines if line.startswith("FAILED ")]
    assert any("test_generated.py::" in line for line in failed), result.text()
    assert "violation" in {result.verdicts[c] for c in GENERATED_CLAUSES}, result.text()
    assert "--fuzz-seed" in result.text()
    for secret in server.secrets():
        assert secret not in result.text()


def test_an_8_8_server_with_the_restivus_401_body_is_a_violation(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fragment's 401 anyOf accepts the Restivus body; the drift registry does not, for 8.8."""
    faults = frozenset({"regression-restivus-401-on-newest"})
    prepare(monkeypatch, server, "8.8", Knobs(operation=OPERATION, faults=faults))
    result = run_suite(pytester, GENERATED, base_url=server.url)
    assert result.ret == 1
    assert result.verdicts["generated.hostile-credentials"] == "violation"
    assert "judged as auth" in result.text()


def test_restivus_delays_cost_one_concurrent_wave(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With real 0.5-1 s delays, the generated tests send their delayed requests together, not one by one."""
    prepare(monkeypatch, server, "3.18", Knobs(operation=OPERATION, delay_scale=1.0))
    result = run_suite(pytester, GENERATED, base_url=server.url)
    assert result.ret == 0, result.text()
    delayed = sorted(r.started_at for r in server.requests if r.status == 401)
    assert len(delayed) > 40
    # Rounds of delayed requests: a request that starts at least one minimal delay (0.5 s) after its round's
    # first could have waited for an answer. The probes form one round, the generated requests (drawn while
    # the probes wait) another; sent one by one they would form one round each (40 and more). Counted rather
    # than timed; one round of slack for a loaded machine starting 60 threads slowly.
    rounds = [delayed[0]]
    for start in delayed[1:]:
        if start - rounds[-1] >= MIN_DELAY:
            rounds.append(start)
    assert len(rounds) <= 3, [round(r - delayed[0], 2) for r in rounds]


def test_examples_and_seed_options(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_suite(pytester, GENERATED, "--fuzz-examples", "1", "--fuzz-seed", "7", base_url=server.url)
    assert result.ret == 0, result.text()
    small = len([r for r in server.requests if r.path.endswith("getImportProgress")])
    prepare(monkeypatch, server)
    result = run_suite(pytester, GENERATED, "--fuzz-examples", "3", base_url=server.url)
    assert result.ret == 0, result.text()
    assert len([r for r in server.requests if r.path.endswith("getImportProgress")]) > small
    refused = pytester.runpytest_inprocess(GENERATED, "-p", "no:cacheprovider", "--fuzz-examples", "0")
    assert refused.ret == 4


def test_schemathesis_toml_matches_the_generated_checks() -> None:
    config = tomllib.loads((Path(__file__).resolve().parents[2] / "schemathesis.toml").read_text())
    disabled = {name for name, value in config["checks"].items() if not value["enabled"]}
    # max_response_time is off unless a limit is set, which the file does not.
    assert disabled == set(gen.EXCLUDED_CHECKS) - {"max_response_time"}
    assert not disabled & set(gen.CHECKS)
    assert config["seed"] == gen.SEED


def test_drawing_overlaps_the_set_up(server: ReferenceServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated requests are drawn in the main thread while another thread does the set-up's round trips
    (``/api/info``, logins), and go out with the probes in one wave."""
    from rocketchat_contract.client.credentials import Credential
    from rocketchat_contract.run import contract_run as run_module

    drawing = threading.Event()
    seen: dict[str, bool] = {}
    real_draw, real_set_up = run_module.draw_all, run_module.ContractRun._set_up

    def draw_all(*args: object) -> object:
        seen["main thread"] = threading.current_thread() is threading.main_thread()
        drawing.set()
        return real_draw(*args)

    def set_up(self: run_module.ContractRun) -> None:
        # Sequential code would draw after the set-up, and this wait would time out.
        seen["overlapped"] = drawing.wait(timeout=10)
        real_set_up(self)

    monkeypatch.setattr(run_module, "draw_all", draw_all)
    monkeypatch.setattr(run_module.ContractRun, "_set_up", set_up)
    admin = server.accounts["admin"]
    settings = run_module.Settings(
        base_url=server.url, privileged=Credential("privileged", username=admin.username, password=admin.password)
    )
    record = run_module.ContractRun(settings).execute()
    assert record.error is None and seen == {"main thread": True, "overlapped": True}
    endpoint = [r for r in server.requests if r.path.endswith("getImportProgress")]
    assert len(endpoint) > 40  # the probes and the generated requests were sent
