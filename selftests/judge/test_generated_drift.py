"""Generated requests follow the one rule of known drift: a clause whose answers rest on a drift entry is judged
known drift, so --strict-docs fails it as it fails the auth clauses (issue 20, item 12)."""

from __future__ import annotations

import json

import pytest
from suite_runner import OPERATION, prepare, run_suite

from rocketchat_contract.client.fuzz.exchange import PRIVILEGED_GENERATED, GeneratedExchange
from rocketchat_contract.client.redact import Redactor
from rocketchat_contract.contract.catalogue import contract
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.contract.versions import eras, parse_version
from rocketchat_contract.judge.judge import Judge
from rocketchat_contract.judge.verdicts import Verdict
from rocketchat_contract.reference import Knobs, ReferenceServer
from rocketchat_contract.reference.fixtures import *  # noqa: F403

COMPAT_401 = {
    "success": False,
    "error": "You must be logged in to do this.",
    "status": "error",
    "message": "You must be logged in to do this.",
}
DOCUMENTED_401 = {"success": False, "error": "unauthorized"}
PROGRESS = {
    "key": "csv",
    "name": "CSV",
    "step": "importer_done",
    "count": {"completed": 5, "total": 5},
    "success": True,
}


def judge_of(version: str) -> Judge:
    return Judge(contract(), store(), eras(), eras().place(parse_version(version)), Redactor())


def answer(probe: str, status: int, body: object, *, privileged: bool = False) -> GeneratedExchange:
    return GeneratedExchange(
        probe=probe,
        method="GET",
        path="/api/v1/getImportProgress",
        request_headers={},
        status=status,
        response_headers={"Content-Type": "application/json"},
        body_text=json.dumps(body),
        privileged=privileged,
    )


@pytest.mark.parametrize("clause", ["generated.schemathesis", "generated.hostile-credentials"])
def test_answers_explained_by_drift_make_the_generated_clause_known_drift(clause: str) -> None:
    observations = {
        "a": answer("hostile 1", 401, COMPAT_401),
        "b": answer("hostile 2", 401, COMPAT_401),
    }
    judged = judge_of("8.8.1").judge(clause, observations)
    assert judged.verdict is Verdict.KNOWN_DRIFT, judged.detail
    assert judged.drift is not None and judged.drift.id == "compat-401-body"
    assert judged.detail.startswith("2 of 2 generated requests were answered as known drift (compat-401-body)")


def test_documented_answers_still_conform() -> None:
    observations = {
        "a": answer("schemathesis GET 1", 401, DOCUMENTED_401),
        "b": answer(f"{PRIVILEGED_GENERATED} GET 2", 200, PROGRESS, privileged=True),
    }
    judged = judge_of("8.8.1").judge("generated.schemathesis", observations)
    assert judged.verdict is Verdict.CONFORMS and judged.drift is None, judged.detail


def test_strict_docs_fails_the_generated_tests_on_drift(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On 8.8 the generated 401s carry the compat body: --strict-docs fails them as it fails auth.*."""
    server = prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION))
    result = run_suite(pytester, "--strict-docs", base_url=server.url)
    assert result.ret == 1
    failed = {line.split("::")[1].split("[")[0] for line in result.outcome.outlines if line.startswith("FAILED ")}
    assert {"test_schemathesis_answers_conform", "test_hostile_credentials_are_refused"} <= failed, result.text()
    assert result.verdicts["generated.hostile-credentials"] == "known-drift"
    assert "conforms" not in result.text().split("generated.schemathesis", 1)[1].splitlines()[0]
