"""Run the suite against many targets at once: bounded parallelism, one run per origin, signals forwarded.

Each job slot is a long-lived worker process (fleet/worker.py) that runs one target after another with exactly the
arguments and environment ``python -m pytest`` would get (fleet/launch.py), so the imports, compiled schemas and drawn
requests of its first run serve the next ones. Workers run in sessions of their own, so a Ctrl-C in the terminal
reaches only the fleet, which forwards one SIGINT (or the SIGTERM it got) to every worker that is running a target.
Those runs then delete the users they provisioned, as the suite does when interrupted; the fleet waits for them,
bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from rocketchat_contract.client.redact import Redactor
from rocketchat_contract.fleet.fleetfile import TargetSpec
from rocketchat_contract.fleet.launch import CredentialSourceError, Launch, launch, shared_environment, source_variables
from rocketchat_contract.fleet.plan import default_jobs
from rocketchat_contract.fleet.worker import MAX_JOB_BYTES, Job, Reply
from rocketchat_contract.reports.load import ReportError, read_written_report

STOP_GRACE = 60.0
"""Seconds the interrupted children get to clean up (log out, delete provisioned users) before SIGKILL."""
TICK = 0.1
"""Seconds the scheduler waits at most between looks at its runs (a reply wakes it at once)."""
READER_GRACE = 5.0
"""Seconds to wait, once a worker has exited, for the replies still in its pipe."""


@dataclass
class TargetRun:
    """How one target's run went: pytest's exit status, its output and compliance report (both redacted)."""

    spec: TargetSpec
    status: int | None = None
    """pytest's exit status; None when the run never started or was killed."""
    output: str = ""
    packed: bytes | None = field(default=None, repr=False)
    """Its compliance report (redacted), compressed: a fleet of thousands holds every report until it writes."""
    problem: str | None = None
    """Why the run could not give a verdict, when the fleet knows it better than pytest's output."""
    started: float | None = None
    duration: float = 0.0
    peak_rss_kb: int | None = None
    """The peak resident memory of the worker process while it ran this target (imports of earlier runs included)."""
    variables: tuple[str, ...] = ()
    signalled: bool = False
    """The fleet's interrupt was forwarded to this run while it was still running: whatever pytest then exits
    with, the run did not finish on its own."""

    @property
    def report(self) -> dict[str, Any] | None:
        """The run's compliance report, or None when it wrote no valid one."""
        return unpack(self.packed)

    @report.setter
    def report(self, document: dict[str, Any] | None) -> None:
        self.packed = pack(document)


def pack(document: dict[str, Any] | None) -> bytes | None:
    """A report as the fleet keeps it while it runs: JSON, compressed (about a fifteenth of the bytes)."""
    if document is None:
        return None
    return zlib.compress(json.dumps(document, ensure_ascii=False).encode("utf-8"), 1)


def unpack(packed: bytes | None) -> dict[str, Any] | None:
    if packed is None:
        return None
    document: dict[str, Any] = json.loads(zlib.decompress(packed))
    return document


class _Worker:
    """One worker process and the thread that reads its replies; each reply, and the worker's end, sets ``wake``."""

    def __init__(self, number: int, workdir: Path, env: dict[str, str], wake: threading.Event) -> None:
        self.log = workdir / f"worker-{number}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "rocketchat_contract.fleet.worker"],
                env=env,
                cwd=workdir,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=out,
                start_new_session=True,
            )
        self.replies: list[Reply] = []
        self.busy = False
        self.retired = False
        self.wake = wake
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        try:
            with contextlib.suppress(OSError, ValueError):
                while line := self.process.stdout.readline(MAX_JOB_BYTES):
                    self.replies.append(Reply.parse(line))
                    self.wake.set()
        finally:
            self.wake.set()

    def send(self, job: Job) -> bool:
        """Hand the worker a job; False if it is gone."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(job.line())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return False
        self.busy = True
        return True

    def reply(self) -> Reply | None:
        return self.replies.pop(0) if self.replies else None

    def ended(self) -> int | None:
        """The worker's exit status once it has exited (a signal: its negative number), else None; once it has,
        every reply it wrote has been read."""
        code = self.process.poll()
        if code is not None:
            self.reader.join(timeout=READER_GRACE)
        return code

    def release(self) -> None:
        """Tell the worker to end after its current job (end of its input)."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()

    def close(self, grace: float) -> None:
        """Let the worker end after its current job; kill it after ``grace`` seconds."""
        self.release()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.retired = True

    def tail(self) -> str:
        """The worker's own output (an import error, a crash), which no run's log holds."""
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""


@dataclass
class _Child:
    run: TargetRun
    worker: _Worker
    log: Path
    report: Path
    origin: str


@dataclass
class FleetRunner:
    """Run ``specs`` with at most ``jobs`` workers busy at a time; report each finished run through ``on_finish``."""

    specs: list[TargetSpec]
    workdir: Path
    jobs: int = field(default_factory=default_jobs)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    suite: Path | None = None
    on_finish: Callable[[TargetRun], None] = lambda run: None
    on_tick: Callable[[list[TargetRun]], None] = lambda running: None
    on_message: Callable[[str], None] = lambda line: None
    stop_grace: float = STOP_GRACE
    redactor: Redactor = field(default_factory=Redactor)
    interrupted: int | None = None
    """The signal that stopped the fleet, if any."""
    _workers: list[_Worker] = field(default_factory=list, init=False, repr=False)
    _started_workers: int = field(default=0, init=False, repr=False)
    _worker_env: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _wake: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    def run(self) -> list[TargetRun]:
        """Run every target; on SIGINT/SIGTERM stop starting new ones and forward the signal to running ones."""
        runs = {spec.name: TargetRun(spec) for spec in self.specs}
        launches: dict[str, Launch] = {}
        withheld = source_variables(self.specs)
        for spec in self.specs:
            try:
                launches[spec.name] = launch(spec, self._report_path(spec), self.environ, self.suite, withheld)
            except CredentialSourceError as exc:
                runs[spec.name].problem = str(exc)
            else:
                self.redactor.add(*launches[spec.name].secrets)
        pending = [spec for spec in self.specs if spec.name in launches]
        for spec in self.specs:
            if spec.name not in launches:
                self.on_finish(runs[spec.name])
        self._worker_env = shared_environment(self.environ, withheld) | self._side_storage()
        restore = self._catch_signals()
        try:
            self._loop(pending, runs, launches)
        finally:
            restore()
        return [runs[spec.name] for spec in self.specs]

    def _side_storage(self) -> dict[str, str]:
        """Where Hypothesis keeps what it stores on the side: the fleet's folder, never the caller's."""
        return {"HYPOTHESIS_STORAGE_DIRECTORY": str(self.workdir / "hypothesis")}

    def _report_path(self, spec: TargetSpec) -> Path:
        return self.workdir / f"{spec.name}.json"

    def _loop(self, pending: list[TargetSpec], runs: dict[str, TargetRun], launches: dict[str, Launch]) -> None:
        running: dict[str, _Child] = {}
        self._workers = []
        try:
            self._schedule(pending, runs, launches, running)
        finally:
            for worker in self._workers:  # idle ones end at once; after an unexpected error, busy ones are killed
                if worker.busy:
                    worker.process.kill()
                worker.release()  # all at once: each takes a moment to unload its modules
            for worker in self._workers:
                worker.close(self.stop_grace)

    def _schedule(
        self,
        pending: list[TargetSpec],
        runs: dict[str, TargetRun],
        launches: dict[str, Launch],
        running: dict[str, _Child],
    ) -> None:
        deadline: float | None = None
        while pending or running:
            # First, so that a finished run's slot and origin are free, and a run that ended before an interrupt
            # keeps its result.
            for name, child in list(running.items()):
                if self._reaped(child):
                    del running[name]
                    self.on_finish(child.run)
            if self.interrupted is not None and deadline is None:
                deadline = time.monotonic() + self.stop_grace
                for spec in pending:
                    runs[spec.name].problem = "not started: the fleet was interrupted"
                    self.on_finish(runs[spec.name])
                pending.clear()
                for child in running.values():
                    child.run.signalled = True
                    _signal(child.worker.process, self.interrupted)
                self.on_message(
                    f"{signal.Signals(self.interrupted).name}: stopping {len(running)} running target(s); waiting up "
                    f"to {self.stop_grace:.0f} s while they log out and delete the users they provisioned"
                )
            busy = {child.origin for child in running.values()}
            while len(running) < self.jobs:
                ready = next((s for s in pending if s.origin not in busy), None)
                if ready is None:
                    break
                pending.remove(ready)
                busy.add(ready.origin)
                running[ready.name] = self._start(runs[ready.name], launches[ready.name])
            if deadline is not None and time.monotonic() > deadline:
                for child in running.values():
                    child.worker.process.kill()
                    child.run.problem = (
                        f"killed after {self.stop_grace:.0f} s of cleanup; "
                        "a user it provisioned may remain on the server"
                    )
            if not (pending or running):
                return
            self.on_tick([child.run for child in running.values()])
            self._wake.wait(TICK)
            self._wake.clear()

    def _idle_worker(self) -> _Worker:
        """A live worker with nothing to do, started if there is none (never more than ``jobs`` at once)."""
        self._workers = [w for w in self._workers if not w.retired]
        for worker in self._workers:
            if not worker.busy:
                return worker
        worker = _Worker(self._started_workers, self.workdir, self._worker_env, self._wake)
        self._started_workers += 1
        self._workers.append(worker)
        return worker

    def _start(self, run: TargetRun, how: Launch) -> _Child:
        """Hand the target's run to a worker, in the fleet's own folder, so that nothing it stores on the side
        (Hypothesis's constants cache, any cache a plugin keeps) lands in the caller's folder: only the named
        outputs do."""
        log = self.workdir / f"{run.spec.name}.log"
        run.variables = how.variables
        run.started = time.monotonic()
        job = Job(how.pytest_args, how.env | self._side_storage(), str(self.workdir), str(log))
        worker = self._idle_worker()
        if not worker.send(job):  # it died while idle: a fresh one
            worker.retired = True
            worker = self._idle_worker()
            worker.send(job)
        return _Child(run, worker, log, self._report_path(run.spec), run.spec.origin)

    def _reaped(self, child: _Child) -> bool:
        """Collect a finished run (exit status, peak memory, output, report); False while it runs."""
        worker, run = child.worker, child.run
        reply = worker.reply()
        if reply is None:
            ended = worker.ended()
            if ended is None:
                return False
            reply = worker.reply()  # it may have replied just before it ended
        assert run.started is not None
        run.duration = time.monotonic() - run.started
        worker.busy = False
        output = _read(child.log)
        if reply is not None:
            run.status, run.peak_rss_kb = reply.status, reply.peak_rss_kb
            if reply.retiring:
                worker.close(self.stop_grace)
        else:
            code = worker.process.returncode
            if run.problem is None and code is not None and code < 0:
                run.status = code  # a signal: outcome() names it
            elif run.problem is None:
                run.problem = f"the fleet's worker process ended with exit status {code} during the run"
            worker.retired = True
            output += worker.tail()
        run.output = self.redactor.text(output)
        run.report = self._read_report(child.report)
        return True

    def _read_report(self, path: Path) -> dict[str, Any] | None:
        try:
            document = read_written_report(path)
        except ReportError:
            return None
        redacted: dict[str, Any] = _secrets_masked(document, self.redactor)
        return redacted

    def _catch_signals(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def stop(signum: int, frame: FrameType | None) -> None:
            if self.interrupted is None:
                self.interrupted = signum

        previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}

        def restore() -> None:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

        return restore


def _secrets_masked(value: Any, redactor: Redactor) -> Any:
    """A child's report with every secret the fleet knows masked in its strings.

    The child masked its own secrets already, fields included; masking by field name again would also mask the
    hostile X-Auth-Token values a report keeps as evidence, so the report would no longer match its digest."""
    if isinstance(value, dict):
        return {key: _secrets_masked(item, redactor) for key, item in value.items()}
    if isinstance(value, list):
        return [_secrets_masked(item, redactor) for item in value]
    return redactor.text(value) if isinstance(value, str) else value


def _read(log: Path) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _signal(process: subprocess.Popen[bytes], signum: int) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signum)
