"""The two pytest configurations: the contract suite's (pytest.toml) runs with plain asserts, without pytest's
unraisable- and thread-exception plugins and without schemathesis's and Hypothesis's pytest plugins, which cost a run
about 0.2 s (0.5 s when the server is unreachable) and give its verdicts nothing (issue 28); the self-tests'
(selftests/pytest.toml) keep them all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rocketchat_contract.reference.server import free_port

REPO = Path(__file__).resolve().parents[2]
PROBE = """
import sys, pytest
class Probe:
    def pytest_configure(self, config):
        manager = config.pluginmanager
        print("SETTINGS", config.inipath.relative_to(config.rootpath.parent if config.rootpath.name == "selftests"
              else config.rootpath), config.option.assertmode,
              *(manager.has_plugin(name) for name in
                ("unraisableexception", "threadexception", "schemathesis", "hypothesispytest")))
sys.exit(pytest.main(sys.argv[1:] + ["--collect-only", "-q", "-p", "no:cacheprovider"], plugins=[Probe()]))
"""


def printed(program: str, args: list[str], mark: str, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Run ``program`` (pytest.main with a probe plugin) with ``args`` from the repository: its exit status and the
    lines its probe printed after ``mark``."""
    done = subprocess.run(
        [sys.executable, "-c", program, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    lines = [line.removeprefix(mark) for line in done.stdout.splitlines() if line.startswith(mark)]
    assert lines, done.stdout[-2000:] + done.stderr[-2000:]
    return done.returncode, lines


def settings(*args: str) -> str:
    return printed(PROBE, list(args), "SETTINGS ")[1][0]


@pytest.mark.parametrize("args", [(), ("tests",), ("tests/test_generated.py",)])
def test_a_contract_session_runs_with_plain_asserts_and_without_the_unneeded_plugins(args: tuple[str, ...]) -> None:
    assert settings(*args) == "pytest.toml plain False False False False"


def test_a_self_test_session_keeps_rewritten_asserts_and_every_plugin() -> None:
    assert settings("selftests/project/test_pytest_configs.py") == "selftests/pytest.toml rewrite True True True True"


def test_this_session_rewrites_asserts(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.option.assertmode == "rewrite"


UNLOADED = """
import sys, pytest
class Probe:
    def pytest_unconfigure(self, config):
        print("LOADED", sorted({name.split(".")[0] for name in sys.modules} & {"schemathesis", "hypothesis"}))
sys.exit(pytest.main(sys.argv[1:] + ["-q", "-p", "no:cacheprovider"], plugins=[Probe()]))
"""


def test_a_run_against_an_unreachable_server_imports_no_drawing_library(tmp_path: Path) -> None:
    """It sends no generated request: once the drawn requests are in the cache, it imports neither schemathesis nor
    Hypothesis, and an unreachable fleet target costs half a second, not one (issue 28)."""
    url = f"http://127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RC_", "PYTEST_"))} | {
        "XDG_CACHE_HOME": str(tmp_path)
    }
    loaded = []
    for _ in range(2):  # the first run draws (and keeps) the generated requests, the second reads them
        status, lines = printed(UNLOADED, ["tests", "--base-url", url], "LOADED ", env)
        assert status == 4
        loaded += lines
    assert loaded == ["['hypothesis', 'schemathesis']", "[]"]
