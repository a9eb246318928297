"""The mutation sweep: one server fault at a time, does the suite fail (exit 1), does schemathesis?"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import st_cli
from measure import Proc, run
from served import Served
from suite_runs import REPO, SUITE_TIMEOUT, Scenario, suite_command, suite_env

from rocketchat_contract.reference import FAULTS, Knobs


@dataclass(frozen=True)
class FaultResult:
    """Both tools' answers to one fault."""

    fault: str
    suite: Proc
    schemathesis: Proc
    outcome: st_cli.Outcome
    tuned: Proc | None = None
    """schemathesis with the project's schemathesis.toml, when the repository has one."""

    @property
    def kind(self) -> str:
        return FAULTS[self.fault].kind

    @property
    def clause(self) -> str:
        return FAULTS[self.fault].clause

    def suite_caught(self, baseline: frozenset[str]) -> bool:
        """exit 1, with (if the clean server already fails some tests) a failing test the clean run lacks."""
        if self.suite.returncode != 1 or self.suite.timed_out:
            return False
        return not baseline or bool(self.suite.failed - baseline)

    def suite_verdict(self, baseline: frozenset[str]) -> str:
        if self.suite.timed_out or self.suite.returncode not in (0, 1):
            return f"error (exit {self.suite.returncode})"
        if self.suite.returncode == 0:
            return "missed (exit 0)"
        if self.suite_caught(baseline):
            return "caught"
        return "exit 1, baseline failures only"

    def st_raw_caught(self, tuned: bool = False) -> bool:
        """The brief's rule: exit != 0 counts, unless it is an error rather than a failed check."""
        outcome = self.outcome_of(tuned)
        return outcome is not None and outcome.error is None and outcome.returncode != 0

    def outcome_of(self, tuned: bool) -> st_cli.Outcome | None:
        if not tuned:
            return self.outcome
        return st_cli.outcome(self.tuned) if self.tuned else None

    def st_caught(self, baseline: frozenset[str], tuned: bool = False) -> bool:
        """Caught only by a failure the clean server does not already produce."""
        outcome = self.outcome_of(tuned)
        return outcome is not None and self.st_raw_caught(tuned) and bool(outcome.codes - baseline)

    def st_verdict(self, baseline: frozenset[str], tuned: bool = False) -> str:
        outcome = self.outcome_of(tuned)
        if outcome is None:
            return "not run"
        if outcome.error:
            return f"error: {outcome.error}"
        if outcome.returncode == 0:
            return "missed (exit 0)"
        new = outcome.codes - baseline
        if new:
            return "caught (" + ", ".join(sorted(new)) + ")"
        return "exit 1, baseline failures only (" + ", ".join(sorted(outcome.codes)) + ")"


def catalogue(quick: bool) -> list[str]:
    """Every fault, or in quick mode the first of each kind."""
    if not quick:
        return list(FAULTS)
    seen: dict[str, str] = {}
    for name, fault in FAULTS.items():
        seen.setdefault(fault.kind, name)
    return list(seen.values())


@dataclass(frozen=True)
class Job:
    """What every sweep worker shares: the server set-up, the tests to run and the spec to give schemathesis."""

    scenario: Scenario
    tests: tuple[str, ...]
    spec: Path
    config: Path | None


def needs_no_operation(fault: str) -> bool:
    """A rewrite of the operation-not-found answer only shows on a server that has no import operation."""
    rewrite = FAULTS[fault].rewrite or {}
    return bool(rewrite.get("when", {}).get("case") == "operation-not-found")


def knobs_for(scenario: Scenario, fault: str) -> Knobs:
    knobs = scenario.knobs(frozenset({fault}))
    return replace(knobs, operation=None) if needs_no_operation(fault) else knobs


def one_fault(served: Served, job: Job, fault: str, workdir: Path) -> FaultResult:
    """Suite and schemathesis each against a server freshly reset with only ``fault`` on (and its trigger)."""
    knobs = knobs_for(job.scenario, fault)
    accounts = served.reset(knobs)
    suite = run(suite_command(served.url, job.tests), cwd=REPO, env=suite_env(accounts), timeout=SUITE_TIMEOUT)
    accounts = served.reset(knobs)
    st_cli.forget_failures(workdir)
    proc = st_cli.run_schemathesis(job.spec, served.url, accounts["admin"], workdir)
    tuned = None
    if job.config:
        accounts = served.reset(knobs)
        st_cli.forget_failures(workdir)
        tuned = st_cli.run_schemathesis(job.spec, served.url, accounts["admin"], workdir, job.config)
    return FaultResult(fault, suite, proc, st_cli.outcome(proc), tuned)


def _worker(faults: list[str], job: Job, out: dict[str, FaultResult]) -> None:
    """One server and one schemathesis directory per worker; no failure cache carried from fault to fault."""
    with Served(job.scenario.profile, job.scenario.knobs()) as served, tempfile.TemporaryDirectory() as tmp:
        for fault in faults:
            out[fault] = one_fault(served, job, fault, Path(tmp))


def sweep(
    faults: list[str], scenario: Scenario, tests: Sequence[str], spec: Path, workers: int, config: Path | None
) -> list[FaultResult]:
    """Split the faults round-robin over ``workers`` threads, each with its own server; catalogue order back."""
    results: dict[str, FaultResult] = {}
    count = max(1, min(workers, len(faults)))
    job = Job(scenario, tuple(tests), spec, config)
    threads = [
        threading.Thread(target=_worker, args=(faults[i::count], job, results), daemon=True) for i in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SUITE_TIMEOUT * (len(faults) + 1))
    return [results[name] for name in faults if name in results]
