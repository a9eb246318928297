"""The contract suite run as a user runs it (a pytest subprocess), its start-up floor and its replayed requests."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import logstats
import minimal_client
from measure import Proc, run
from served import Served, Traced

from rocketchat_contract.reference import Account, Knobs, Operation

REPO = Path(__file__).resolve().parents[1]
ALL_TESTS = ("tests",)
CORE_TESTS = ("tests/test_get_import_progress.py",)
OPERATION = Operation.parse("csv:importer_done:10/10")
SUITE_TIMEOUT = 300.0


@dataclass(frozen=True)
class Scenario:
    """One server set-up the suite is timed against."""

    key: str
    title: str
    profile: str
    delay_scale: float
    rate_limit: bool
    sequential_floor: bool

    def knobs(self, faults: frozenset[str] = frozenset()) -> Knobs:
        return Knobs(delay_scale=self.delay_scale, rate_limit=self.rate_limit, operation=OPERATION, faults=faults)


def scenarios(restivus: str) -> tuple[Scenario, ...]:
    return (
        Scenario("newest", "8.8, no delay, limiter off", "8.8", 0.0, False, True),
        Scenario("restivus", f"{restivus}, real delays (delay_scale=1.0), limiter off", restivus, 1.0, False, False),
        Scenario("limited", "8.8, no delay, limiter on (10 calls/60 s)", "8.8", 0.0, True, True),
    )


def suite_command(url: str, tests: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "pytest", *tests, "--base-url", url, "-p", "no:cacheprovider", "-q"]


def startup_command() -> list[str]:
    return [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "test_empty.py"]


def suite_env(accounts: dict[str, Account]) -> dict[str, str]:
    """The environment a user would set: only the password variables, nothing inherited that steers pytest."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RC_", "PYTEST_"))}
    env.update(
        RC_ADMIN_USERNAME=accounts["admin"].username,
        RC_ADMIN_PASSWORD=accounts["admin"].password,
        RC_USER_USERNAME=accounts["user"].username,
        RC_USER_PASSWORD=accounts["user"].password,
    )
    return env


def startup(tmp: Path, autoload: bool = True) -> Proc:
    """pytest's own start-up: collect an empty file in an empty directory (same interpreter, same plugins)."""
    (tmp / "test_empty.py").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    if not autoload:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return run(startup_command(), cwd=tmp, env=env)


@dataclass(frozen=True)
class Phases:
    """Where a suite run's wall time went, lined up with the server's trace."""

    before: float
    """spawn -> first request: interpreter, pytest and plugin start-up, collection."""
    wire: float
    """first request -> last answer."""
    after: float
    """last answer -> exit: judging, summary, teardown of pytest."""
    in_flight: int
    """most requests the server was answering at one time."""


def phases(proc: Proc, trace: list[Traced]) -> Phases:
    if not trace:
        return Phases(proc.wall, 0.0, 0.0, 0)
    first, last = min(r.start for r in trace), max(r.end for r in trace)
    events = sorted([(r.start, 1) for r in trace] + [(r.end, -1) for r in trace])
    busy = peak = 0
    for _, change in events:
        busy += change
        peak = max(peak, busy)
    before = max(first - proc.started, 0.0)
    return Phases(before, last - first, max(proc.wall - before - (last - first), 0.0), peak)


@dataclass(frozen=True)
class SuiteRun:
    """One suite run against a freshly reset server, with what the log and the trace say about it."""

    proc: Proc
    counts: logstats.Counts
    under_window: int
    steps: list[minimal_client.Step]
    chain: float
    chain_steps: list[minimal_client.Step]
    phases: Phases


def run_suite(served: Served, knobs: Knobs, tests: Sequence[str]) -> SuiteRun:
    accounts = served.reset(knobs)
    proc = run(suite_command(served.url, tests), cwd=REPO, env=suite_env(accounts), timeout=SUITE_TIMEOUT)
    log, trace = served.collect()
    steps = minimal_client.plan(trace, accounts)
    chain, chain_steps = minimal_client.longest_chain(steps)
    return SuiteRun(
        proc,
        logstats.count(log, accounts),
        logstats.under_endpoint_window(log, accounts),
        steps,
        chain,
        chain_steps,
        phases(proc, trace),
    )


@dataclass(frozen=True)
class ScenarioRun:
    suite: SuiteRun
    concurrent: minimal_client.Replay
    sequential: minimal_client.Replay | None


def measure(served: Served, scenario: Scenario, tests: Sequence[str]) -> ScenarioRun:
    """Suite, then its requests replayed concurrently (and sequentially) on the same server, reset each time."""
    knobs = scenario.knobs()
    suite = run_suite(served, knobs, tests)
    accounts = served.reset(knobs)
    concurrent = minimal_client.concurrent(served.url, accounts, suite.steps)
    sequential = None
    if scenario.sequential_floor:
        accounts = served.reset(knobs)
        sequential = minimal_client.sequential(served.url, accounts, suite.steps)
    served.reset(knobs)
    return ScenarioRun(suite, concurrent, sequential)


def chain_text(steps: list[minimal_client.Step], delay_scale: float) -> str:
    """The chain as `METHOD path status (seconds)` links; delayed ones (>= 0.45 x scale) marked."""
    links = []
    for step in steps:
        delayed = delay_scale > 0 and step.duration >= 0.45 * delay_scale
        mark = ", delayed" if delayed else ""
        links.append(f"{step.method} {step.path} {step.expected} ({step.duration:.3f} s{mark})")
    return " → ".join(links)
