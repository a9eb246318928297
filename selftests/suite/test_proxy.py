"""The suite through a real nginx: the same verdicts as directly, and the catalogue's faults still caught.

Each front is one thing real deployments put in front of Rocket.Chat (nginx_front.py): a sub-path, TLS
from a private CA, a web application firewall, an upstream that drops requests while it restarts; all
of them with gzip and nginx's default header buffers.
"""

from __future__ import annotations

from typing import Any

import pytest
from nginx_front import *  # noqa: F403
from nginx_front import NginxFront
from suite_runner import OPERATION, prepare, run_suite
from test_suite_verdicts import EXPECTED

from rocketchat_contract.client.probes import ENDPOINT
from rocketchat_contract.reference import FAULTS, Knobs, ReferenceServer
from rocketchat_contract.reports.observations import resolved

PROXY_PROFILES = ["8.8", "6.13", "9.0"]
"""The profiles judged through nginx; a new one is one more word here (and its row in EXPECTED)."""

FRONTS = {
    "root": {"location": ""},
    "sub-path": {"location": "chat"},
    "sub-path-with-slash": {"location": "chat/"},
    "tls-private-ca": {"location": "chat", "tls": True},
    "waf": {"location": "waf"},
    "restarting-upstream": {"location": "flaky", "drop": 2},
}
"""How the base URL reaches the server. ``drop``: endpoint requests the upstream drops first (nginx: 502)."""

FRONTEND_PROBES = {
    "root": {"overlong-token"},
    "sub-path": {"overlong-token"},
    "sub-path-with-slash": {"overlong-token"},
    "tls-private-ca": {"overlong-token"},
    "waf": {"overlong-token", "injection-values"},
    "restarting-upstream": {"overlong-token"},
}
"""Probes a front end refuses before Rocket.Chat sees them: not verified, with the front end named."""


def base_url(front: NginxFront, name: str) -> str:
    setup = FRONTS[name]
    return front.url(setup["location"], tls=bool(setup.get("tls")))


def tls_args(front: NginxFront, name: str) -> list[str]:
    return ["--ca-bundle", str(front.ca_bundle)] if FRONTS[name].get("tls") else []


def probe_results(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The named probes' results (a generated clause lists the generated answers it did not accept instead)."""
    named = [clause for clause in report["clauses"] if not clause["id"].startswith("generated.")]
    return {p["probe"]: p for clause in named for p in clause["probes"]}


@pytest.mark.parametrize("name", sorted(FRONTS))
@pytest.mark.parametrize("profile", PROXY_PROFILES)
def test_same_verdicts_through_nginx(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    nginx: NginxFront,
    monkeypatch: pytest.MonkeyPatch,
    profile: str,
    name: str,
) -> None:
    prepare(monkeypatch, reference_server, profile)
    if drop := FRONTS[name].get("drop"):
        nginx.restarting.gate.drop(int(drop), start=f"GET {ENDPOINT}")
    result = run_suite(pytester, "--request-timeout", "5", *tls_args(nginx, name), base_url=base_url(nginx, name))
    assert result.ret == 0, result.text() + nginx.error_log()
    assert result.verdicts == EXPECTED[profile], result.text()
    paths = {r.path for r in reference_server.requests}
    assert paths and all(path.startswith("/api/") for path in paths), paths
    prefix = "/".join(("", *filter(None, str(FRONTS[name]["location"]).split("/")), "api/"))
    shown = {e["request"]["path"] for clause in resolved(result.report)["clauses"] for e in clause["evidence"]}
    assert shown and all(path.startswith(prefix) for path in shown), (prefix, shown)
    probes = probe_results(result.report)
    refused = {p for p, found in probes.items() if found["verdict"] == "not-verified"}
    assert refused == FRONTEND_PROBES[name], result.text()
    for probe in refused:
        assert "a front end answered" in probes[probe]["detail"], probes[probe]
    if drop:
        assert nginx.restarting.gate.dropped == drop


REPRESENTATIVE_FAULTS = {
    "token-not-bound": "waf",
    "skip-permission-check": "sub-path",
    "swap-401-403-status": "sub-path",
    "error-as-text": "waf",
    "server-error-on-injection": "sub-path",
    "success-not-json": "root",
    "progress-leaked-into-401": "root",
    "post-accepted": "sub-path",
    "regression-restivus-401-on-newest": "tls-private-ca",
    "hostile-401-text-controls": "root",
}
"""A fault of each kind in faults.yaml, through the front most likely to hide it."""


def test_representative_faults_cover_every_kind() -> None:
    assert {FAULTS[name].kind for name in REPRESENTATIVE_FAULTS} == {fault.kind for fault in FAULTS.values()}


@pytest.mark.parametrize(("fault", "name"), sorted(REPRESENTATIVE_FAULTS.items()))
def test_faults_are_caught_through_nginx(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    nginx: NginxFront,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
    name: str,
) -> None:
    prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION, faults=frozenset({fault})))
    result = run_suite(pytester, *tls_args(nginx, name), base_url=base_url(nginx, name))
    assert result.ret == 1, result.text()
    assert result.verdicts[FAULTS[fault].clause] == "violation", result.verdicts
