"""The contract tests are selected by what users know them by (clause ids, probes), and with the plugin turned
off they skip with one reason instead of failing on fixtures that only the plugin provides. A report records what
its run was asked to judge, and a narrowed run is PARTIAL, never PASS (issue 26)."""

from __future__ import annotations

import pytest
from suite_runner import OPERATION, SUITE, prepare, run_suite

from rocketchat_contract.commands.main import main
from rocketchat_contract.contract.catalogue import contract
from rocketchat_contract.reference import Knobs, ReferenceServer
from rocketchat_contract.reference.fixtures import *  # noqa: F403
from rocketchat_contract.results.selection import whole_catalogue


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


NARROWED = ("-k", "success or auth.invalid and empty-values")


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one-process", "xdist"])
def test_a_narrowed_run_is_partial_everywhere_and_verifies(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    workers: tuple[str, ...],
) -> None:
    """A report records what its run was asked to judge; narrowed, it never shows PASS: its banners, the terminal
    and verify say PARTIAL and name what was not judged. One probe of a clause selected, the report verifies (it
    did not: verify judged every probe of the clause again and found the others missing)."""
    server = prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION))
    result = run_suite(pytester, *NARROWED, *workers, base_url=server.url, extra_files=True)
    assert result.ret == 0, result.text()
    report = result.report
    assert report is not None
    assert report["selection"] == {
        "clauses": ["success.response", "success.content-type", "success.step", "success.counts", "auth.invalid"],
        "probes": {"auth.invalid": ["empty-values"]},
    }
    assert [c["id"] for c in report["clauses"]] == report["selection"]["clauses"]
    assert [p["probe"] for p in report["clauses"][-1]["probes"]] == ["empty-values"]
    outcome = report["outcome"]
    assert outcome["result"] == "partial" and "auth.missing" in outcome["not_judged"]
    assert "auth.invalid[wrong-token]" in outcome["not_judged"] and "auth.invalid" not in outcome["not_judged"]
    assert "PARTIAL: the run was not asked to judge the whole catalogue; not judged: auth.missing" in result.text()
    markdown, html = (path.read_text(encoding="utf-8") for path in result.files[1:3])
    assert markdown.startswith("# ◐ PARTIAL: ") and "PASS" not in markdown.split("\n## ", 1)[0]
    assert 'class="outcome o-partial"' in html and "✅ PASS" not in html
    saved = pytester.path / "out" / "report.json"
    capsys.readouterr()
    assert main(["verify", str(saved)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"consistent, PARTIAL, unsigned: {saved}\n"), out
    assert "PARTIAL: not judged (the run was not asked to): auth.missing, auth.invalid[wrong-token]" in out


def test_a_whole_run_records_the_whole_catalogue(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION))
    result = run_suite(pytester, base_url=server.url)
    assert result.ret == 0 and result.report is not None, result.text()
    assert result.report["selection"] == whole_catalogue()
    assert result.report["outcome"] == {"result": "pass", "failing": [], "not_judged": []}
    assert "PARTIAL" not in result.text()
