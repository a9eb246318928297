"""No nginx of the proxy self-tests outlives the pytest process that started it, however that process ends.

A pytest run that holds the ``nginx_front`` fixture is killed mid-test (SIGTERM, as ``timeout`` sends, or
SIGKILL, which runs no finalizer); the nginx master and workers it started must be gone within seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from nginx_front import NGINX, NO_NGINX

SELFTESTS = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0
"""Seconds the inner run may take to start nginx (a CA, a certificate and the reference server first)."""
EXIT_TIMEOUT = 20.0
GONE_TIMEOUT = 10.0

CONFTEST = """\
pytest_plugins = ["rocketchat_contract.reference.fixtures"]
from nginx_front import nginx_front  # noqa: E402,F401
"""
HOLDING_TEST = """\
import os
import time
from pathlib import Path


def test_hold(nginx_front):
    Path(os.environ["NGINX_ROOT_FILE"]).write_text(str(nginx_front.root))
    time.sleep(120)
"""

pytestmark = pytest.mark.skipif(NGINX is None, reason=NO_NGINX)

Process = tuple[int, str]
"""A pid and its start time (field 22 of /proc/PID/stat), so a reused pid is not taken for it."""


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _identity(pid: int) -> Process | None:
    fields = _stat(pid)
    return (pid, fields[19]) if fields else None


def _alive(process: Process) -> bool:
    """Running (not gone, not a zombie nobody reaps, not another process under the same pid)."""
    fields = _stat(process[0])
    return fields is not None and fields[19] == process[1] and fields[0] != "Z"


def _children(parent: int) -> list[Process]:
    found = []
    for entry in Path("/proc").iterdir():
        fields = _stat(int(entry.name)) if entry.name.isdigit() else None
        if fields and fields[1] == str(parent) and fields[0] != "Z":
            found.append((int(entry.name), fields[19]))
    return found


def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def nginx_processes() -> Iterator[list[Process]]:
    """Where a test records the nginx processes it saw; any still running at the end is killed."""
    seen: list[Process] = []
    yield seen
    for process in seen:
        if _alive(process):
            os.kill(process[0], signal.SIGKILL)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_killed_run_leaves_no_nginx(sig: signal.Signals, tmp_path: Path, nginx_processes: list[Process]) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_hold.py").write_text(HOLDING_TEST)
    root_file = tmp_path / "nginx-root"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SELFTESTS), os.environ.get("PYTHONPATH")])),
        "NGINX_ROOT_FILE": str(root_file),
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:rocketchat_contract"]
    run = subprocess.Popen(
        [*command, "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        started = _wait(lambda: root_file.exists() or run.poll() is not None, START_TIMEOUT)
        assert started and run.poll() is None, "the inner run did not reach its test holding nginx"
        pid_file = Path(root_file.read_text()) / "nginx.pid"
        assert _wait(lambda: pid_file.exists() and pid_file.read_text().strip().isdigit(), START_TIMEOUT)
        master = _identity(int(pid_file.read_text()))
        assert master is not None, "nginx wrote its pid file but its master is not running"
        nginx_processes.extend([master, *_children(master[0])])
        assert len(nginx_processes) >= 2, "expected the nginx master and at least one worker"

        run.send_signal(sig)
        run.wait(timeout=EXIT_TIMEOUT)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(timeout=EXIT_TIMEOUT)
        assert run.stdout is not None
        run.stdout.close()

    gone = _wait(lambda: not any(_alive(p) for p in nginx_processes), GONE_TIMEOUT)
    survivors = [pid for pid, _ in nginx_processes if _alive((pid, _))]
    assert gone, f"nginx processes {survivors} outlived the pytest run killed by {sig.name}"
