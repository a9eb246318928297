"""Under pytest-xdist the controller is a contract session like the workers, and a target that cannot be tested
ends any session with its message alone: no pytest frame around it, exit status 4."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from suite_runner import SUITE, prepare

from rocketchat_contract.reference import ReferenceServer

VERDICTS = "rocketchat-contract verdicts"
CASCADE = ("_pytest.outcomes.Exit", "Interrupted", "no tests ran", "ERROR at setup", "Traceback", "INTERNALERROR")
"""What pytest would add around the message of a run that could not test its target."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


def _assert_only_the_message(ret: int, text: str, message: str) -> None:
    assert ret == 4, text
    assert text.count(message) == 1, text
    for frame in CASCADE:
        assert frame not in text, text


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one-process", "xdist"])
def test_an_untestable_target_prints_only_its_message(
    pytester: pytest.Pytester, workers: tuple[str, ...], tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    report = tmp_path / "r.json"
    # In a subprocess, as users run it: in-process, pytester's capturing hides what a real terminal shows.
    ret, text = _run(pytester, "-q", *workers, "--base-url", url, "--compliance-report", str(report), subprocess=True)
    _assert_only_the_message(ret, text, f"rocketchat-contract: cannot test {url}")
    assert "connection refused" in text
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("bringing up nodes")]
    assert len(lines) <= 2, text  # the plugin's header, then the message
    assert "connection refused" in json.loads(report.read_text())["aborted"]


def test_a_bad_variable_under_xdist_is_one_line(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an option of the plugin, the workers are the first to check the variables."""
    monkeypatch.setenv("RC_ADMIN_USERNAME", "admin")
    ret, text = _run(pytester, "-q", "-n", "2")
    _assert_only_the_message(ret, text, "RC_ADMIN_PASSWORD is not set")


def test_an_embedded_server_that_cannot_start_is_one_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: ReferenceServer) -> ReferenceServer:
        raise OSError("no free port")

    monkeypatch.setattr(ReferenceServer, "start", refuse)
    ret, text = _run(pytester, "-q")
    _assert_only_the_message(ret, text, "could not start the embedded reference server: no free port")
