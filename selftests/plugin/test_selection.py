"""The contract tests are selected by what users know them by (clause ids, probes), and with the plugin turned
off they skip with one reason instead of failing on fixtures that only the plugin provides."""

from __future__ import annotations

import pytest
from suite_runner import SUITE

from rocketchat_contract.contract.catalogue import contract


def _collected(pytester: pytest.Pytester, *args: str) -> list[str]:
    result = pytester.runpytest_inprocess(str(SUITE), "-p", "no:cacheprovider", "--collect-only", "-q", *args)
    return [line.split("::", 1)[1] for line in result.outlines if "::test_" in line]


@pytest.mark.parametrize("keyword", ["permission", "auth.missing", "permission.run-import", "generated.schemathesis"])
def test_a_clause_id_selects_its_tests(pytester: pytest.Pytester, keyword: str) -> None:
    clause = next(c for c in contract().clauses if keyword in c.id)
    selected = _collected(pytester, "-k", keyword)
    probes = clause.probes if isinstance(clause.probes, tuple) else ()
    assert len(selected) == max(len(probes), 1), selected
    assert all(probe in " ".join(selected) for probe in probes), selected


def test_a_probe_selects_its_test(pytester: pytest.Pytester) -> None:
    clause = next(c for c in contract().clauses if c.id == "auth.missing")
    assert isinstance(clause.probes, tuple)
    probe = clause.probes[0]
    selected = _collected(pytester, "-k", f"auth.missing and {probe}")
    assert selected == [f"test_missing_credentials_are_refused[{probe}]"], selected


def test_with_the_plugin_off_the_contract_tests_skip_with_one_reason(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(str(SUITE), "-p", "no:cacheprovider", "-p", "no:rocketchat_contract", "-rs")
    text = result.stdout.str() + result.stderr.str()
    assert result.ret == 0, text
    assert "not found" not in text and "error" not in text.lower(), text
    reasons = {line.split(": ", 1)[1] for line in result.outlines if line.startswith("SKIPPED")}
    assert len(reasons) == 1, text
    assert "-p no:rocketchat_contract" in reasons.pop(), text
    result.assert_outcomes(skipped=len(contract().clauses))
