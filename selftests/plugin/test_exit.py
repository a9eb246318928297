"""A session that did a contract run ends without tearing down every object its imports left (gc.freeze at exit),
and only then: atexit handlers still run, other sessions and a process running pytest again are left alone."""

from __future__ import annotations

import gc

import pytest
from suite_runner import SUITE, prepare, run_suite

from rocketchat_contract.reference import ReferenceServer

EXIT_PROBE = """
import atexit, gc, os

def pytest_configure(config):
    # Registered before the run, so it runs after the suite's own exit handler (atexit is last in, first out).
    def report():
        with open(os.environ["EXIT_PROBE_FILE"], "w") as file:
            file.write(str(gc.get_freeze_count()))
    atexit.register(report)
"""


def _frozen_at_exit(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, int]:
    """Run pytest in a process of its own with a plugin that reports, at exit, how many objects were frozen."""
    pytester.makepyfile(exit_probe=EXIT_PROBE)
    probe = pytester.path / "frozen.txt"
    monkeypatch.setenv("EXIT_PROBE_FILE", str(probe))
    result = pytester.runpytest_subprocess("-p", "exit_probe", "-p", "no:cacheprovider", *args)
    assert probe.is_file(), result.stdout.str() + result.stderr.str()  # the earlier atexit handler still ran
    return int(result.ret), int(probe.read_text())


def test_a_contract_session_freezes_its_objects_at_exit(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, reference_server, "8.8")
    ret, frozen = _frozen_at_exit(pytester, monkeypatch, str(SUITE), "--base-url", reference_server.url)
    assert ret == 0
    assert frozen > 10_000  # the imports' objects: the interpreter's last collection and teardown skip them


def test_another_session_is_left_alone(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_unrelated="def test_one():\n    assert True\n")
    assert _frozen_at_exit(pytester, monkeypatch, "test_unrelated.py") == (0, 0)


def test_a_process_running_pytest_again_keeps_collecting(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, reference_server, "8.8")
    result = run_suite(pytester, base_url=reference_server.url)
    assert result.ret == 0, result.text()
    assert gc.get_freeze_count() == 0  # frozen only when the process exits
