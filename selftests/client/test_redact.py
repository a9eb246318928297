"""JSON fields that hold credentials are masked by name, whatever their value: a server may echo a password or a
token the run never registered as a secret (another account's, a leaked one), and no report may show it."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def _masked_one_by_one(text: str, secrets: set[str]) -> str:
    """The reference: at each position the longest secret that starts there is masked, left to right."""
    out, index = [], 0
    while index < len(text):
        found = max((s for s in secrets if text.startswith(s, index)), key=len, default=None)
        if found is None:
            out.append(text[index])
            index += 1
        else:
            out.append(MASK)
            index += len(found)
    return "".join(out)


@given(
    secrets=st.sets(st.text(alphabet="abcAB1-_", min_size=4, max_size=9), min_size=1, max_size=30),
    text=st.text(alphabet="abcAB1-_ x", max_size=200),
)
def test_many_secrets_are_masked_as_one_by_one_longest_first(secrets: set[str], text: str) -> None:
    redactor = Redactor()
    redactor.add(*secrets)
    planted = text + " " + " ".join(sorted(secrets))
    assert redactor.text(planted) == _masked_one_by_one(planted, secrets)


def test_a_fleet_of_secrets_long_and_nested_ones_included() -> None:
    many = {f"tok{i:05d}-secret" for i in range(5000)} | {"abcd", "abcdef", "z" * 300, "z" * 301}
    redactor = Redactor()
    redactor.add(*many)
    text = "x abcdefg tok04999-secret " + "z" * 301 + " " + "z" * 300 + "q abcd"
    assert redactor.text(text) == f"x {MASK}g {MASK} {MASK} {MASK}q {MASK}"
