"""Self-tests run the suite the way users do, through pytester (loaded by selftests/pytest.toml); the
mutation catalogue reports its score."""

from __future__ import annotations

import os
from typing import Any

import pyrate_limiter  # noqa: F401  (see below)
import pytest

from rocketchat_contract.client.tls import BUNDLE_VARIABLES

REFERENCE_FIXTURES = "rocketchat_contract.reference.fixtures"
CALLER_PREFIXES = ("RC_",)
CALLER_VARIABLES = ("PYTEST_BASE_URL", *BUNDLE_VARIABLES, "CI", "BUILD_NUMBER", "COLUMNS")
"""Besides credentials, a base URL and a CA bundle: the variables with which pytest itself changes its output
(on a CI server it does not cut the short summary's lines; COLUMNS sets the width of lines and of the table)."""

# pytester's in-process runs drop every module a run imported once it ends. schemathesis imports
# pyrate_limiter lazily, which imports multiprocessing.synchronize and its C type _multiprocessing.SemLock;
# importing that afresh in run after run crashed an xdist worker with SIGSEGV (in type_getattro on
# _PyMp_SemLockType, CPython 3.11). Imported here, before any run, it stays loaded and is never re-imported.


@pytest.fixture(scope="session", autouse=True)
def _loaded_once() -> None:
    """Import what a contract run imports lazily, and draw its generated requests once, before any in-process run.

    pytester's in-process runs drop the modules a run imported when it ends, so without this every run imports
    (and assertion-rewrites) schemathesis's OpenAPI layer and the suite's own modules again, and Hypothesis scans
    them all again for constants: about a second per run.
    """
    from rocketchat_contract.client.fuzz.cases import draw_cases
    from rocketchat_contract.client.fuzz.config import Fuzz
    from rocketchat_contract.client.fuzz.hostile import draw_batches
    from rocketchat_contract.plugin import (
        options,  # noqa: F401
        reporting,  # noqa: F401
    )
    from rocketchat_contract.plugin import session as obtain  # noqa: F401
    from rocketchat_contract.reports import (
        html,  # noqa: F401
        markdown,  # noqa: F401
    )

    draw_cases(Fuzz())
    draw_batches(Fuzz())


@pytest.fixture(autouse=True)
def _caller_environment_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the shell running the self-tests exported (credentials, a base URL, a CA bundle, CI) reaches no run: each
    self-test starts from none of them and sets the ones it means (monkeypatch restores the caller's afterwards)."""
    for name in list(os.environ):
        if name.startswith(CALLER_PREFIXES) or name in CALLER_VARIABLES:
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _draw_cache_of_the_session(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Runs without pytest's cache keep their drawn requests (client/fuzz/cache.py) in a folder of this self-test
    session (of this pytest-xdist worker), never in the user's cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No socket may connect anywhere during the test (a re-judge or verify must not reach the network)."""
    import socket

    from suite_runner import NetworkUsed, block_network

    block_network(monkeypatch)
    with pytest.raises(NetworkUsed):
        socket.create_connection(("127.0.0.1", 9))


def pytest_configure(config: pytest.Config) -> None:
    """Register the reference server's fixtures (make_reference_server, reference_server) for the self-tests."""
    config.pluginmanager.import_plugin(REFERENCE_FIXTURES)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    tally = {"fault": [0, 0], "variation": [0, 0]}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if not isinstance(report, pytest.TestReport):
                continue
            if report.when != "call" and not (report.when == "setup" and not report.passed):
                continue
            kind = dict(report.user_properties).get("catalogue")
            if kind in tally:
                tally[kind][0] += report.passed
                tally[kind][1] += 1
    if tally["fault"][1] or tally["variation"][1]:
        caught, faults = tally["fault"]
        passed, correct = tally["variation"]
        terminalreporter.write_line(f"faults caught: {caught}/{faults}, correct servers passed: {passed}/{correct}")
