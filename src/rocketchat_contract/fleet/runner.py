"""Run the suite against many targets at once: bounded parallelism, one run per origin, signals forwarded.

Each target runs as its own ``python -m pytest`` child in a new session, so a Ctrl-C in the terminal reaches
only the fleet, which forwards one SIGINT (or the SIGTERM it got) to every running child. The children then
delete the users they provisioned, as the suite does when interrupted; the fleet waits for them, bounded.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from rocketchat_contract.client.redact import Redactor
from rocketchat_contract.fleet.fleetfile import TargetSpec
from rocketchat_contract.fleet.launch import CredentialSourceError, Launch, launch, source_variables
from rocketchat_contract.reports.load import ReportError, load_report

STOP_GRACE = 60.0
"""Seconds the interrupted children get to clean up (log out, delete provisioned users) before SIGKILL."""
TICK = 0.1


def default_jobs() -> int:
    """Targets run at a time by default: the runs mostly wait on the network, so twice the cores, at most 4."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(4, 2 * cores))


@dataclass
class TargetRun:
    """How one target's run went: pytest's exit status, its output and compliance report (both redacted)."""

    spec: TargetSpec
    status: int | None = None
    """pytest's exit status; None when the run never started or was killed."""
    output: str = ""
    report: dict[str, Any] | None = None
    problem: str | None = None
    """Why the run could not give a verdict, when the fleet knows it better than pytest's output."""
    started: float | None = None
    duration: float = 0.0
    peak_rss_kb: int | None = None
    variables: tuple[str, ...] = ()
    signalled: bool = False
    """The fleet's interrupt was forwarded to this run while it was still running: whatever pytest then exits
    with, the run did not finish on its own."""


@dataclass
class _Child:
    run: TargetRun
    process: subprocess.Popen[bytes]
    log: Path
    report: Path
    origin: str


@dataclass
class FleetRunner:
    """Run ``specs`` with at most ``jobs`` children at a time; report each finished run through ``on_finish``."""

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
        restore = self._catch_signals()
        try:
            self._loop(pending, runs, launches)
        finally:
            restore()
        return [runs[spec.name] for spec in self.specs]

    def _report_path(self, spec: TargetSpec) -> Path:
        return self.workdir / f"{spec.name}.json"

    def _loop(self, pending: list[TargetSpec], runs: dict[str, TargetRun], launches: dict[str, Launch]) -> None:
        running: dict[str, _Child] = {}
        try:
            self._schedule(pending, runs, launches, running)
        finally:
            for child in running.values():  # only after an unexpected error: leave no run behind
                if child.process.returncode is None:
                    child.process.kill()
                    child.process.wait()

    def _schedule(
        self,
        pending: list[TargetSpec],
        runs: dict[str, TargetRun],
        launches: dict[str, Launch],
        running: dict[str, _Child],
    ) -> None:
        deadline: float | None = None
        while pending or running:
            if self.interrupted is not None and deadline is None:
                deadline = time.monotonic() + self.stop_grace
                for spec in pending:
                    runs[spec.name].problem = "not started: the fleet was interrupted"
                    self.on_finish(runs[spec.name])
                pending.clear()
                for name, child in list(running.items()):  # a run that ended before the interrupt keeps its result
                    if self._reaped(child):
                        del running[name]
                        self.on_finish(child.run)
                for child in running.values():
                    child.run.signalled = True
                    _signal(child.process, self.interrupted)
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
            for name, child in list(running.items()):
                if self._reaped(child):
                    del running[name]
                    self.on_finish(child.run)
            if deadline is not None and time.monotonic() > deadline:
                for child in running.values():
                    child.process.kill()
                    child.run.problem = (
                        f"killed after {self.stop_grace:.0f} s of cleanup; "
                        "a user it provisioned may remain on the server"
                    )
            self.on_tick([child.run for child in running.values()])
            time.sleep(TICK)

    def _start(self, run: TargetRun, how: Launch) -> _Child:
        """Start the target's pytest in the fleet's own folder, so that nothing it stores on the side (Hypothesis's
        constants cache, any cache a plugin keeps) lands in the caller's folder: only the named outputs do."""
        log = self.workdir / f"{run.spec.name}.log"
        run.variables = how.variables
        run.started = time.monotonic()
        with log.open("wb") as out:
            process = subprocess.Popen(
                how.argv,
                env={**how.env, "HYPOTHESIS_STORAGE_DIRECTORY": str(self.workdir / "hypothesis")},
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return _Child(run, process, log, self._report_path(run.spec), run.spec.origin)

    def _reaped(self, child: _Child) -> bool:
        """Collect a finished child (exit status, peak memory, output, report); False while it runs."""
        process, run = child.process, child.run
        if hasattr(os, "wait4"):
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid == 0:
                return False
            process.returncode = os.waitstatus_to_exitcode(status)
            run.peak_rss_kb = int(usage.ru_maxrss)
        elif process.poll() is None:
            return False
        assert run.started is not None
        run.duration = time.monotonic() - run.started
        code = process.returncode
        run.status = code if code is not None and code >= 0 else None
        run.output = self.redactor.text(child.log.read_text(encoding="utf-8", errors="replace"))
        run.report = self._read_report(child.report)
        return True

    def _read_report(self, path: Path) -> dict[str, Any] | None:
        try:
            document = load_report(path)
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


def _signal(process: subprocess.Popen[bytes], signum: int) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signum)
