"""Child processes timed with their own peak memory, medians, and a description of the machine."""

from __future__ import annotations

import math
import os
import platform
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

POLL = 0.005


@dataclass(frozen=True)
class Proc:
    """What one child process did: exit code, wall time, peak RSS, output, and when it was spawned."""

    argv: tuple[str, ...]
    returncode: int
    wall: float
    max_rss_kb: int
    stdout: str
    started: float
    """Epoch seconds at spawn, to line the child up with the reference server's request log."""
    cpu: float = 0.0
    """User plus system CPU seconds of the child: less swayed than wall time by other work on the machine."""

    @property
    def last_line(self) -> str:
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        return lines[-1].strip("= ") if lines else ""


def rss_kb(pid: int) -> int:
    """A process's resident memory now, from /proc (0 where there is none, or once it has ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)


def run(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 300.0,
    rss_limit_kb: int | None = None,
) -> Proc:
    """Run ``argv`` to the end (killed at ``timeout``, or once its memory passes ``rss_limit_kb``) and measure it
    as /usr/bin/time would: wall and ru_maxrss."""
    with tempfile.TemporaryFile() as out:
        epoch, started = time.time(), time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            over = rss_limit_kb is not None and rss_kb(child.pid) > rss_limit_kb
            if over or time.perf_counter() - started > timeout:
                child.kill()
            time.sleep(POLL)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    return Proc(tuple(argv), child.returncode, wall, usage.ru_maxrss, text, epoch, cpu)


def load() -> float:
    """The 1-minute load average (how busy the machine was), or NaN where the platform has none."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan


def med(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def _first(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    """CPU, cores, RAM, load and tool versions, so a reader can tell whether their numbers compare."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = _first("/proc/meminfo", "MemTotal")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    return {
        "CPU": _first("/proc/cpuinfo", "model name"),
        "Cores": f"{usable} usable ({os.cpu_count()} online)",
        "RAM": f"{int(memory.split()[0]) / 1024 / 1024:.1f} GiB" if memory != "unknown" else memory,
        "Load average at start (1, 5, 15 min)": load,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "pytest": _version("pytest"),
        "schemathesis": _version("schemathesis"),
        "hypothesis": _version("hypothesis"),
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "PYTHONDONTWRITEBYTECODE (benchmark process; unset for measured runs)": os.environ.get(
            "PYTHONDONTWRITEBYTECODE", "unset"
        ),
    }


def replace_section(text: str, heading: str, new: str) -> str:
    """``text`` with its ``heading`` section (up to the next ``## `` heading) replaced by ``new``, or ``new``
    appended: how a benchmark that run.py does not run writes its own section of RESULTS.md."""
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _: new + "\n", text, count=1).rstrip("\n") + "\n"
    return text.rstrip("\n") + "\n\n" + new


def publish(heading: str, text: str, *, write: bool) -> None:
    """Print a benchmark's section; with ``write``, also put it in benchmarks/RESULTS.md in place of the old one."""
    if write:
        results = Path(__file__).resolve().parent / "RESULTS.md"
        results.write_text(replace_section(results.read_text(encoding="utf-8"), heading, text), encoding="utf-8")
    print(text)
