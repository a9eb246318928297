"""The mutation catalogue: the suite fails on every injected fault, naming its clause, and passes every correct server.

The score line (``faults caught: N/N, correct servers passed: M/M``) is printed by conftest.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from suite_runner import prepare, rejudged_offline, run_suite, verdicts_of

from rocketchat_contract.contract.schemas import store
from rocketchat_contract.contract.versions import eras, parse_version
from rocketchat_contract.reference import FAULTS, Knobs, Operation, ReferenceServer

CATALOGUE = yaml.safe_load((Path(__file__).resolve().parents[1] / "catalogue.yaml").read_text())
DEFAULTS: dict[str, Any] = CATALOGUE["defaults"]
SCORED = sorted(name for name, fault in FAULTS.items() if fault.clause)
"""The faults that break a clause. Hostile text no clause judges (headers, the reported version) is no violation to
catch: test_hostile_text.py pins what the suite shows of it instead."""


def _setup(entry: dict[str, Any]) -> tuple[str, Knobs, list[str], dict[str, str | None]]:
    setup = {**DEFAULTS, **entry}
    operation = None if setup["operation"] == "none" else Operation.parse(setup["operation"])
    knobs = Knobs(
        operation=operation,
        delay_scale=float(setup.get("delay_scale", 0.0)),
        variations=frozenset(setup.get("variations", [])),
        faults=frozenset(setup.get("faults", [])),
        rate_limit_calls=int(setup.get("rate_limit_calls", Knobs.rate_limit_calls)),
    )
    accounts = {"admin": setup.get("admin", "password"), "user": setup.get("user", "password")}
    return (
        str(setup["profile"]),
        knobs,
        list(setup.get("args", [])),
        {k: None if v == "none" else v for k, v in accounts.items()},
    )


def _variations() -> list[Any]:
    params = []
    for entry in CATALOGUE["variations"]:
        if entry.get("every_step"):
            profile = str(entry["profile"])
            version = "8.8.1" if profile == "documented" else ReferenceServer(profile).version
            steps = store().enum(f"observed/progress-step.schema.json#/$defs/{eras().step_set(parse_version(version))}")
            for step in steps:
                params.append(pytest.param({**entry, "operation": f"csv:{step}:1/2"}, id=f"{entry['name']}-{step}"))
        else:
            params.append(pytest.param(entry, id=entry["name"]))
    return params


@pytest.fixture
def scored(request: pytest.FixtureRequest) -> Any:
    """Tag the test for the score line: which catalogue it belongs to."""

    def tag(kind: str) -> None:
        request.node.user_properties.append(("catalogue", kind))

    return tag


@pytest.mark.parametrize("fault", SCORED)
def test_fault_is_caught(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    scored: Any,
    fault: str,
) -> None:
    scored("fault")
    entry = {**CATALOGUE["fault_setup"].get(fault, {}), "faults": [fault]}
    profile, knobs, args, accounts = _setup(entry)
    prepare(monkeypatch, reference_server, profile, knobs, **accounts)
    result = run_suite(pytester, *args, base_url=reference_server.url)
    expected = FAULTS[fault].clause
    assert expected is not None
    assert result.ret == 1, f"fault {fault} went unnoticed:\n{result.text()}"
    assert result.verdicts[expected] == "violation", f"{fault} should fail {expected}: {result.verdicts}"
    _rejudged_alike(result, monkeypatch, pytester.path)


@pytest.mark.parametrize("entry", _variations())
def test_correct_server_passes(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    scored: Any,
    entry: dict[str, Any],
) -> None:
    scored("variation")
    profile, knobs, args, accounts = _setup(entry)
    prepare(monkeypatch, reference_server, profile, knobs, **accounts)
    result = run_suite(pytester, *args, base_url=reference_server.url)
    assert result.ret == 0, result.text()
    assert "violation" not in result.verdicts.values()
    _rejudged_alike(result, monkeypatch, pytester.path)


def _rejudged_alike(result: Any, monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Its report, judged again offline with the same registry, gives the same verdicts and exit status."""
    status, again = rejudged_offline(result, monkeypatch, folder)
    assert (status, verdicts_of(again)) == (result.ret, verdicts_of(result.report)), result.text()


def test_every_fault_names_a_clause_the_suite_judges() -> None:
    from rocketchat_contract.contract.catalogue import contract

    known = {clause.id for clause in contract().clauses}
    assert {FAULTS[name].clause for name in SCORED} <= known
    assert {FAULTS[name].kind for name in set(FAULTS) - set(SCORED)} <= {"hostile-text"}
    assert len(SCORED) >= 30
    assert len(_variations()) >= 12
