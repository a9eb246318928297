"""Child processes timed with their own peak memory, and a description of the machine they ran on."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

POLL = 0.005
_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


@dataclass(frozen=True)
class Proc:
    """What one child process did: exit code, wall time, peak RSS and its output."""

    argv: tuple[str, ...]
    returncode: int
    wall: float
    max_rss_kb: int
    stdout: str
    stderr: str
    timed_out: bool = False
    started: float = 0.0
    """Epoch seconds at spawn, to line the child up with the server's trace."""

    @property
    def failed(self) -> frozenset[str]:
        """pytest's ``FAILED node-id`` summary lines (the suite's addopts carry -ra)."""
        return frozenset(m[1] for m in _FAILED.finditer(self.stdout))

    @property
    def last_line(self) -> str:
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        return lines[-1].strip("= ") if lines else ""


def _reap(pid: int, deadline: float) -> tuple[int, int, bool]:
    """wait4 the child (bounded by ``deadline``): its own rusage, not the max over every child so far."""
    timed_out = False
    while time.perf_counter() < deadline:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), usage.ru_maxrss, timed_out
        time.sleep(POLL)
    timed_out = True
    os.kill(pid, 9)
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss, timed_out


def run(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300.0) -> Proc:
    """Run ``argv`` to the end (or kill it at ``timeout``) and measure it like /usr/bin/time would."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        epoch, started = time.time(), time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        code, rss, timed_out = _reap(child.pid, started + timeout)
        wall = time.perf_counter() - started
        child.returncode = code
        out.seek(0)
        err.seek(0)
        return Proc(
            tuple(argv),
            code,
            wall,
            rss,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            timed_out,
            epoch,
        )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    """CPU, cores, RAM and tool versions, so a reader can tell whether their numbers compare."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": _cpu_model(),
        "Cores": f"{usable} usable ({os.cpu_count()} online)",
        "RAM": _ram_gib(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "pytest": _version("pytest"),
        "schemathesis": _version("schemathesis"),
        "hypothesis": _version("hypothesis"),
        "requests": _version("requests"),
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "Bytecode cache": "on (PYTHONDONTWRITEBYTECODE unset for the measured processes)",
    }
