"""A long-lived process that runs one target after another with ``pytest.main``: the imports, the compiled schemas
and the drawn requests of its first run serve all the later ones (``python -m rocketchat_contract.fleet.worker``).

The fleet sends one job a line on the worker's standard input (JSON: pytest's arguments, the run's whole
environment, its working folder and log file) and reads one reply a line on its standard output (pytest's exit
status and the run's peak memory). For each job the worker takes on that environment and folder and points its
file descriptors 1 and 2 at the log, so the run reads and writes exactly what ``python -m pytest`` with the same
arguments would; afterwards it forgets the suite's own modules (tests and conftest are imported afresh by the next
run) and everything that run set.

Signals: while a run is going, SIGINT and SIGTERM reach pytest as they would reach ``python -m pytest`` (the suite
then logs out and deletes the users it provisioned); between runs they only mark the worker to stop after its
reply. End of input, or ``RETIRE_AFTER`` runs, ends the worker.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

RETIRE_AFTER = 250
"""Runs one worker does before it exits and the fleet starts a fresh one: what a run leaves behind in a long-lived
process (a library's cache, a leak) cannot accumulate past this."""
RETIRE_ABOVE_KB = 400 * 1024
"""A worker whose resident memory exceeds this after a run retires at once."""
MAX_JOB_BYTES = 1 << 20
"""The longest job line read (the fleet writes them; arguments and an environment are far smaller)."""
SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class Job:
    """One target's run: ``python -m pytest ARGS`` in ``cwd`` with exactly ``env``, output to ``log``."""

    args: list[str]
    env: dict[str, str]
    cwd: str
    log: str

    def line(self) -> bytes:
        """The job as the worker reads it."""
        fields = {"args": self.args, "env": self.env, "cwd": self.cwd, "log": self.log}
        return (json.dumps(fields) + "\n").encode("utf-8")

    @classmethod
    def parse(cls, line: bytes) -> Job:
        fields = json.loads(line)
        return cls(list(fields["args"]), dict(fields["env"]), str(fields["cwd"]), str(fields["log"]))


@dataclass(frozen=True)
class Reply:
    """How a run ended: pytest's exit status, the worker's peak memory during it, and whether the worker now exits."""

    status: int
    peak_rss_kb: int | None
    retiring: bool

    def line(self) -> bytes:
        fields = {"status": self.status, "peak_rss_kb": self.peak_rss_kb, "retiring": self.retiring}
        return (json.dumps(fields) + "\n").encode("utf-8")

    @classmethod
    def parse(cls, line: bytes) -> Reply:
        fields = json.loads(line)
        peak = fields["peak_rss_kb"]
        return cls(int(fields["status"]), None if peak is None else int(peak), bool(fields["retiring"]))


class _Stop:
    """A signal that came outside a run: while the worker waits for a job it exits at once; after a run it replies,
    then exits."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.waiting = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        if self.waiting:
            raise SystemExit(0)


def _as_python_does(signum: int, frame: FrameType | None) -> None:
    """SIGTERM during a run before the suite installs its own handler: stop pytest as SIGINT would."""
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals_reach_pytest(stop: _Stop) -> Iterator[None]:
    """Python's own SIGINT behaviour (and SIGTERM as a KeyboardInterrupt) for the run; the stop mark otherwise."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _as_python_does)
    try:
        yield
    finally:
        for signum in SIGNALS:
            signal.signal(signum, stop)


@contextlib.contextmanager
def _output_to(log: str) -> Iterator[None]:
    """File descriptors 1 and 2 (and so sys.stdout, sys.stderr and pytest's capture) write to ``log``."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = (os.dup(1), os.dup(2))
    with open(log, "wb") as file:
        os.dup2(file.fileno(), 1)
        os.dup2(file.fileno(), 2)
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


@contextlib.contextmanager
def _environment(env: dict[str, str], cwd: str) -> Iterator[None]:
    """Exactly ``env`` as os.environ and ``cwd`` as the working folder, restored afterwards."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def _forget_suite_modules(folders: list[Path], before: set[str]) -> None:
    """Drop the modules a run imported from ``folders`` (the suite's tests) and every conftest, so that the next run
    imports them afresh as its own pytest would; the libraries stay loaded."""
    for name in set(sys.modules) - before:
        origin = getattr(sys.modules.get(name), "__file__", None)
        if not origin:
            continue
        path = Path(origin)
        if path.name == "conftest.py" or any(path.is_relative_to(folder) for folder in folders):
            del sys.modules[name]


def _proc_status(field: str) -> int | None:
    """A ``kB`` field of /proc/self/status (VmHWM, VmRSS), or None where there is none."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _reset_peak() -> None:
    """Start measuring the peak resident memory afresh (Linux: writing 5 to clear_refs resets VmHWM)."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")


def run_job(job: Job, stop: _Stop) -> int:
    """Run one target's pytest in this process; pytest's exit status (2 if interrupted before it could say)."""
    import pytest

    before = set(sys.modules)
    status = 2
    with _environment(job.env, job.cwd), _output_to(job.log):
        try:
            with _signals_reach_pytest(stop):
                status = int(pytest.main(job.args))
        except KeyboardInterrupt:
            status = 2
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # a crash of one run must not end the worker's reply
            print(f"INTERNALERROR> {type(exc).__name__}: {exc}", file=sys.stderr)
            status = 3
    folders = [Path(arg).resolve() for arg in job.args if not arg.startswith("-") and Path(arg).is_dir()]
    _forget_suite_modules(folders, before)
    return status


def serve(jobs: Iterator[bytes], replies: TextIO, retire_after: int = RETIRE_AFTER) -> None:
    """Run each job and write its reply; return after ``retire_after`` runs, at end of input, or after a signal."""
    stop = _Stop()
    for signum in SIGNALS:
        signal.signal(signum, stop)
    done = 0
    while True:
        stop.waiting = True
        if stop.signum is not None:
            return
        line = next(jobs, b"")
        stop.waiting = False
        if not line:
            return
        if not line.strip():
            continue
        job = Job.parse(line)
        _reset_peak()
        status = run_job(job, stop)
        done += 1
        if done == 1:
            gc.collect()
            gc.freeze()  # what the first run loaded lives on: no later collection walks it again
        rss = _proc_status("VmRSS") or 0
        retiring = stop.signum is not None or done >= retire_after or rss > RETIRE_ABOVE_KB
        replies.write(Reply(status, _proc_status("VmHWM"), retiring).line().decode("utf-8"))
        replies.flush()
        if retiring:
            return


def _lines(stream: Any) -> Iterator[bytes]:
    while line := stream.readline(MAX_JOB_BYTES):
        yield line


def _forget_own_package() -> None:
    """Unload this package (only its ``__init__`` modules are loaded here), so that pytest imports the plugin as
    ``python -m pytest`` does: through its assertion rewriter, which an installed plugin is marked for (pytest warns,
    and the suite's configuration makes warnings errors, about a marked module imported before it)."""
    for name in [n for n in sys.modules if n == "rocketchat_contract" or n.startswith("rocketchat_contract.")]:
        del sys.modules[name]


def main(argv: list[str] | None = None) -> None:
    """Serve jobs from standard input; replies go to the original standard output, which runs never write to.
    The one optional argument is the number of runs after which the worker retires (default ``RETIRE_AFTER``)."""
    _forget_own_package()
    args = sys.argv[1:] if argv is None else argv
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    serve(_lines(sys.stdin.buffer), replies, int(args[0]) if args else RETIRE_AFTER)


if __name__ == "__main__":
    main()
