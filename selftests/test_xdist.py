"""Under pytest-xdist the controller is a contract session like the workers."""

from __future__ import annotations

import json

import pytest
from suite_runner import SUITE, prepare

from rocketchat_contract.reference import ReferenceServer

VERDICTS = "rocketchat-contract verdicts"


def _run(pytester: pytest.Pytester, *args: str, subprocess: bool = False) -> tuple[int, str]:
    cache = ("-o", f"cache_dir={pytester.path / 'cache'}")
    run = pytester.runpytest_subprocess if subprocess else pytester.runpytest_inprocess
    result = run(str(SUITE), "-p", "no:randomly", *cache, *args)
    return int(result.ret), result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize(
    "extra",
    [(), ("-k", "auth or success"), ("--lf",), ("--compliance-report", "{tmp}/r.json")],
    ids=["plain", "keyword", "last-failed", "report"],
)
def test_xdist_on_a_correct_server_passes_with_one_table(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    extra: tuple[str, ...],
) -> None:
    prepare(monkeypatch, reference_server, "8.8")
    args = [arg.format(tmp=pytester.path) for arg in extra]
    ret, text = _run(pytester, "-q", "-n", "2", "--base-url", reference_server.url, *args)
    assert ret == 0, text
    assert text.count(VERDICTS) == 1, text
    assert text.count(f"rocketchat-contract: target {reference_server.url}") == 1, text
    assert "not active" not in text and "Traceback" not in text, text
    if extra and extra[0] == "--compliance-report":
        assert json.loads((pytester.path / "r.json").read_text())["clauses"]
