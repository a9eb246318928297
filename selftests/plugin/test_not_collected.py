"""Asked to test a server where the contract suite is not (issue 25, row 10): one line saying how to run it from
there, exit status 4, and the requested reports written as aborted; nothing of the session runs.

"Asked" means one of the plugin's own options; ``--base-url`` alone is pytest-base-url's, which Playwright and
Selenium suites read too, so such a session keeps pytest's outcome and gets at most a hint when it collected
nothing at all.
"""

from __future__ import annotations

import json

import pytest
from suite_runner import SUITE

from rocketchat_contract.reports.load import load_report

URL = "https://u:s3cr3t-pw@chat.example.com"
SHOWN = "https://u:[redacted]@chat.example.com"
UNRELATED = """
from pathlib import Path

def test_one():
    Path("ran-one").write_text("")

def test_two():
    Path("ran-two").write_text("")
"""
README_COMMAND = ("--provision-user", "--seed-import", "--compliance-report", "report.html")


def _lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines + result.errlines if line.strip()]


def test_the_readme_command_outside_a_checkout_says_how_to_run_the_suite(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--base-url", URL, *README_COMMAND, "--compliance-report", "out/report.json"
    )
    assert result.ret == 4
    last = _lines(result)[-1]
    assert last.startswith("rocketchat-contract: the contract suite was not collected here (no test was collected)")
    assert f"rocketchat-contract run -p no:cacheprovider --base-url '{SHOWN}' --provision-user --seed-import" in last
    assert "--compliance-report report.html --compliance-report out/report.json" in last
    assert "s3cr3t" not in result.stdout.str() + result.stderr.str()
    assert not [line for line in _lines(result) if "no tests ran" in line or "collected 0 items" in line]
    report = load_report(pytester.path / "out" / "report.json")
    assert report["clauses"] == [] and report["aborted"].startswith("the contract suite was not collected here")
    assert "s3cr3t" not in (pytester.path / "out" / "report.json").read_text()
    assert "the contract suite was not collected" in (pytester.path / "report.html").read_text()


def test_nothing_of_the_session_runs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mine=UNRELATED)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--compliance-report", "r.json")
    assert result.ret == 4
    assert "none of the 2 tests collected is a contract test" in _lines(result)[-1]
    assert _lines(result)[-1].endswith("rocketchat-contract run -p no:cacheprovider --compliance-report r.json")
    assert not list(pytester.path.glob("ran-*"))
    assert json.loads((pytester.path / "r.json").read_text())["aborted"]


def test_under_xdist_the_controller_ends_with_the_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mine=UNRELATED)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--base-url", URL, "--rc-request-timeout", "3",
        "--compliance-report", "r.json",
    )  # fmt: skip
    assert result.ret == 4, result.stdout.str()
    last = _lines(result)[-1]
    assert last.startswith("rocketchat-contract: the contract suite was not collected here (none of the 2 tests")
    assert not list(pytester.path.glob("ran-*"))
    assert load_report(pytester.path / "r.json")["aborted"]
    assert "s3cr3t" not in result.stdout.str() + result.stderr.str() + (pytester.path / "r.json").read_text()


def test_base_url_alone_leaves_another_plugins_session_alone(pytester: pytest.Pytester) -> None:
    """A Playwright-style suite given --base-url runs as it would without this plugin."""
    pytester.makepyfile(test_mine=UNRELATED)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--base-url", "https://app.example.com")
    assert result.ret == 0
    assert "rocketchat-contract:" not in result.stdout.str() + result.stderr.str()
    assert len(list(pytester.path.glob("ran-*"))) == 2


def test_base_url_alone_and_nothing_collected_gets_a_hint_and_pytests_status(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", f"--base-url={URL}")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    hints = [line for line in _lines(result) if line.startswith("rocketchat-contract:")]
    assert len(hints) == 1 and hints[0].endswith(f"rocketchat-contract run -p no:cacheprovider '--base-url={SHOWN}'")
    assert "s3cr3t" not in hints[0]


def test_a_suite_deselected_by_k_is_not_a_missing_suite(pytester: pytest.Pytester) -> None:
    """The suite was collected; -k chose none of it: pytest's own outcome, and nothing is sent."""
    result = pytester.runpytest_inprocess(
        str(SUITE), "-p", "no:cacheprovider", "--base-url", "https://127.0.0.1:9", "--provision-user", "-k", "nomatch"
    )
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "not collected" not in result.stdout.str() + result.stderr.str()
