"""JSON fields that hold credentials are masked by name, whatever their value: a server may echo a password or a
token the run never registered as a secret (another account's, a leaked one), and no report may show it."""

from __future__ import annotations

import json

import pytest

from rocketchat_contract.client.http import Exchange
from rocketchat_contract.client.redact import MASK, Redactor
from rocketchat_contract.judge.verdicts import Judgement, Verdict
from rocketchat_contract.reports.model import build_report
from rocketchat_contract.reports.render import render
from rocketchat_contract.results.ledger import Ledger
from rocketchat_contract.results.record import JudgementRecord, RunRecord

FIELDS = ("password", "authToken", "token", "resume")
"""The credential fields of Rocket.Chat's login and user bodies."""


def _unregistered(field: str) -> str:
    return f"unregistered-{field}-value-7f3a"


@pytest.mark.parametrize("field", FIELDS)
def test_a_credential_field_is_masked_though_its_value_was_never_registered(field: str) -> None:
    value = _unregistered(field)
    body = {"data": {field: value, "userId": "kept"}, "list": [{field: value}], field: value}
    assert Redactor().data(body) == {"data": {field: MASK, "userId": "kept"}, "list": [{field: MASK}], field: MASK}


def _echoing_exchange() -> Exchange:
    """An answer that echoes every credential field (a broken 401 body), to a request that sends a password."""
    echoed = {name: _unregistered(name) for name in FIELDS}
    return Exchange(
        probe="no-headers",
        method="GET",
        path="/api/v1/getImportProgress",
        request_headers={},
        request_body={"user": "someone", "password": _unregistered("request-password")},
        status=401,
        response_headers={"Content-Type": "application/json"},
        body_text=json.dumps({"success": False, "error": "You must be logged in to do this.", "data": echoed}),
    )


@pytest.mark.parametrize("suffix", [".json", ".md", ".html"])
def test_a_built_report_never_shows_an_unregistered_credential_field(suffix: str) -> None:
    redactor = Redactor()  # nothing registered: only the field names can mask these values
    exchange = _echoing_exchange()
    judgement = Judgement(
        "auth.missing", "no-headers", Verdict.VIOLATION, "expected 401", evidence=[exchange]
    )
    judgement.observed = {"no-headers": exchange}
    ledger = Ledger()
    ledger.add(JudgementRecord.of(judgement, redactor))
    run = RunRecord(base_url="https://chat.example.com", server_version="8.8.1", judged_as="8.8.1", era="E3")
    text = render(build_report(run, ledger, strict_docs=False), suffix)
    for name in (*FIELDS, "request-password"):
        assert _unregistered(name) not in text, f"{name} shown in clear in the {suffix} report"
    if suffix != ".md":  # the Markdown report names evidence without bodies
        assert MASK in text
