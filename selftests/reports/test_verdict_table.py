"""The verdict table at the end of every run: as wide as the terminal, the remedy of what was not verified
always shown, and no row ending in dangling punctuation (issue 20, item 11)."""

from __future__ import annotations

import re

import pytest
from suite_runner import prepare, run_suite

from rocketchat_contract.judge.verdicts import Verdict
from rocketchat_contract.reference import Knobs, ReferenceServer
from rocketchat_contract.reference.fixtures import *  # noqa: F403
from rocketchat_contract.reports.table import summary_lines
from rocketchat_contract.results.ledger import Ledger
from rocketchat_contract.results.record import JudgementRecord, RunRecord

LONG = "known drift compat-401-body for Rocket.Chat >=7.4.0,<9.0.0: " + "a long explanation " * 20 + "[source: PR]"
REMEDY = (
    "A server that never ran an import answers even an admin with 400 error-operation-not-found; no documented "
    "status covers it. (400, drift entry fresh-server). To verify: run again with --seed-import (creates a "
    "pending-avatars operation with POST /api/v1/downloadPendingAvatars), or run an import on the server first."
)
LISTED = (
    "3 of 16 generated requests got an answer the contract does not accept for Rocket.Chat 8.8:\n"
    "- schemathesis GET 1: judged as auth.missing: 401 with an unknown body\n- schemathesis GET 2: 500"
)


@pytest.fixture(autouse=True)
def _not_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests set the terminal's width; on a CI server ($CI, $BUILD_NUMBER) rows are not cut at all."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BUILD_NUMBER", raising=False)


def table(*judgements: JudgementRecord) -> list[str]:
    ledger = Ledger()
    for judgement in judgements:
        ledger.add(judgement)
    return summary_lines(RunRecord(base_url="https://chat.example.com"), ledger)


def row(lines: list[str], clause: str) -> str:
    return next(line for line in lines if line.startswith(f"{clause} "))


@pytest.mark.parametrize("columns", [80, 120, 250])
def test_rows_are_as_wide_as_the_terminal(columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """$COLUMNS (or the terminal) sets the width, as for pytest's own lines: no fixed cut at 110 characters."""
    monkeypatch.setenv("COLUMNS", str(columns))
    lines = table(JudgementRecord("auth.missing", "no-headers", Verdict.KNOWN_DRIFT, LONG, drift="compat-401-body"))
    shown = row(lines, "auth.missing")
    assert len(shown) == columns, shown
    assert shown.endswith("…")


def test_rows_are_not_cut_on_a_ci_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """As pytest leaves its summary lines whole on a CI server, so does the table: a CI log has no width."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("CI", "true")
    lines = table(JudgementRecord("auth.missing", "no-headers", Verdict.KNOWN_DRIFT, LONG, drift="compat-401-body"))
    assert row(lines, "auth.missing").endswith(LONG)


def test_a_not_verified_clause_always_shows_its_remedy(monkeypatch: pytest.MonkeyPatch) -> None:
    """However narrow the terminal, the row of a clause that was not verified says what would verify it."""
    monkeypatch.setenv("COLUMNS", "80")
    lines = table(JudgementRecord("success.response", "privileged", Verdict.NOT_VERIFIED, REMEDY))
    start = lines.index(row(lines, "success.response"))
    rows = [lines[start], *(line for line in lines[start + 1 :] if line.startswith(" "))]
    assert " ".join(" ".join(line.split()) for line in rows).endswith(" ".join(REMEDY.split()))
    assert all(len(line) <= 80 for line in rows), rows


def test_a_row_never_ends_with_dangling_punctuation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A detail whose first line announces a list shows the list's first item, not a bare colon."""
    monkeypatch.setenv("COLUMNS", "250")
    lines = table(JudgementRecord("generated.schemathesis", None, Verdict.VIOLATION, LISTED))
    shown = row(lines, "generated.schemathesis")
    assert shown.endswith("for Rocket.Chat 8.8: schemathesis GET 1: judged as auth.missing: 401 with an unknown body")
    monkeypatch.setenv("COLUMNS", "80")
    narrow = row(
        table(JudgementRecord("generated.schemathesis", None, Verdict.VIOLATION, LISTED)), "generated.schemathesis"
    )
    assert 75 <= len(narrow) <= 80 and narrow.endswith("…") and not narrow[:-1].endswith((":", ",", ";", " ")), narrow


def test_a_fresh_server_run_prints_the_seed_import_remedy_in_the_table(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without -rs, the table itself says how to verify the success clauses on a server without an import."""
    server = prepare(monkeypatch, reference_server, "8.8", Knobs(operation=None))
    monkeypatch.setenv("COLUMNS", "100")
    result = run_suite(pytester, "-rN", base_url=server.url)
    assert result.ret == 0, result.text()
    table_text = result.outcome.stdout.str().split("rocketchat-contract verdicts", 1)[1]
    lines = table_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("success.response "))
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        block.append(line)
    joined = " ".join(" ".join(line.split()) for line in block)
    assert "--seed-import" in joined and "run an import on the server first" in joined, table_text
    assert all(len(line) <= 100 for line in block), block
    assert re.search(r"^success\.counts +not verified +as success\.response$", table_text, re.MULTILINE), table_text


def test_a_narrowed_run_ends_its_table_with_partial() -> None:
    """The table's last word on a run asked to judge part of the catalogue names what it did not judge."""
    ledger = Ledger()
    ledger.add(JudgementRecord("auth.missing", "no-headers", Verdict.KNOWN_DRIFT, LONG, drift="compat-401-body"))
    narrowed = {"clauses": ["auth.missing"], "probes": {"auth.missing": ["no-headers"]}}
    lines = summary_lines(RunRecord(base_url="https://chat.example.com", selection=narrowed), ledger)
    partial = [line for line in lines if line.startswith("PARTIAL: ")]
    assert len(partial) == 1 and "not judged: success.response, success.content-type" in partial[0], lines
    assert "auth.missing[user-id-only], auth.missing[token-only], auth.invalid," in partial[0], lines
    assert not any(line.startswith("PARTIAL") for line in summary_lines(RunRecord(base_url="https://x"), ledger))
