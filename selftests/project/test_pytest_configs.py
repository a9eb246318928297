"""The two pytest configurations: the contract suite's (pytest.toml) runs with plain asserts and without pytest's
unraisable- and thread-exception plugins, which cost a default run about 0.2 s and give its verdicts nothing (issue
28); the self-tests' (selftests/pytest.toml) keep all three."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROBE = """
import sys, pytest
class Probe:
    def pytest_configure(self, config):
        manager = config.pluginmanager
        print("SETTINGS", config.inipath.relative_to(config.rootpath.parent if config.rootpath.name == "selftests"
              else config.rootpath), config.option.assertmode,
              manager.has_plugin("unraisableexception"), manager.has_plugin("threadexception"))
sys.exit(pytest.main(sys.argv[1:] + ["--collect-only", "-q", "-p", "no:cacheprovider"], plugins=[Probe()]))
"""


def settings(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("SETTINGS ")]
    assert lines, done.stdout[-2000:] + done.stderr[-2000:]
    return lines[0].removeprefix("SETTINGS ")


@pytest.mark.parametrize("args", [(), ("tests",), ("tests/test_generated.py",)])
def test_a_contract_session_runs_with_plain_asserts_and_without_the_exception_plugins(args: tuple[str, ...]) -> None:
    assert settings(*args) == "pytest.toml plain False False"


def test_a_self_test_session_keeps_rewritten_asserts_and_the_exception_plugins() -> None:
    assert settings("selftests/project/test_pytest_configs.py") == "selftests/pytest.toml rewrite True True"


def test_this_session_rewrites_asserts(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.option.assertmode == "rewrite"
