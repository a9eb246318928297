"""Release candidates judged as Rocket.Chat's own breaking-change switch treats them (semver.gte).

``shouldBreakInVersion('9.0.0')`` is false on 9.0.0 release candidates, so they still send the 8.x 401
body; 9.1.0 release candidates send the 9.0 one. The suite runs against the reference server's 8.8
profile (the 8.x body) and its 9.0 profile (the 9.0 body), told the release candidate's full version.
"""

from __future__ import annotations

import pytest
from suite_runner import prepare, run_suite

from rocketchat_contract.reference import ReferenceServer

AUTH = ("auth.missing", "auth.invalid")


@pytest.mark.parametrize(
    ("version", "profile", "verdict", "drift"),
    [
        ("9.0.0-rc.8", "8.8", "known-drift", "compat-401-body"),
        ("9.0.0-rc.8", "9.0", "violation", None),
        ("9.1.0-rc.5", "9.0", "known-drift", "breaking-401-body"),
        ("9.1.0-rc.5", "8.8", "violation", None),
    ],
    ids=["9.0-rc-8.x-body", "9.0-rc-9.0-body", "9.1-rc-9.0-body", "9.1-rc-8.x-body"],
)
def test_release_candidates_get_the_401_body_of_their_side_of_the_switch(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    version: str,
    profile: str,
    verdict: str,
    drift: str | None,
) -> None:
    prepare(monkeypatch, reference_server, profile)
    result = run_suite(pytester, "--rc-version", version, base_url=reference_server.url)
    assert result.report is not None, result.text()
    assert result.report["judged_as"] == version
    clauses = {c["id"]: c for c in result.report["clauses"]}
    for clause_id in AUTH:
        assert clauses[clause_id]["verdict"] == verdict, clauses[clause_id]["detail"]
        if drift:
            assert clauses[clause_id]["drift"]["id"] == drift
    assert result.ret == (1 if verdict == "violation" else 0), result.text()
