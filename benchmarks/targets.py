"""The four targets of the benchmark, judged on the medians: met or missed, by how much, and why."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import logstats
import st_cli
from measure import Proc
from suite_runs import Scenario, ScenarioRun
from sweep import FaultResult

from rocketchat_contract.run import MAX_PARALLEL

WINDOW_LIMIT = 10
CHAIN_FACTOR = 1.5
FLOOR_FACTOR = 2.0


def med(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


@dataclass
class ToolRuns:
    """Timed schemathesis runs of one configuration and what they sent."""

    title: str
    warm: list[Proc]
    counts: list[logstats.Counts]
    cold: list[Proc] = field(default_factory=list)

    @property
    def baseline(self) -> frozenset[str]:
        """Failure codes on the clean server: a fault only counts with a code outside these."""
        return frozenset().union(*(st_cli.outcome(p).codes for p in self.warm + self.cold))


@dataclass
class Results:
    """Everything one benchmark run measured; the targets and the report read only this."""

    runs: int
    quick: bool
    machine: dict[str, str]
    test_files: list[str]
    startup: list[Proc]
    startup_bare: list[Proc]
    scenarios: list[tuple[Scenario, list[ScenarioRun]]]
    st: ToolRuns
    st_spec: Path
    st_spec_note: str
    tuned: ToolRuns | None = None
    suite_baseline: frozenset[str] = frozenset()
    """Tests the suite already fails against the clean 8.8 server (scenario 'newest')."""
    faults: list[FaultResult] = field(default_factory=list)
    sweep_tests: tuple[str, ...] = ()
    sweep_note: str = ""
    sweep_wall: float = 0.0
    workers: int = 2
    total: float = 0.0

    def scenario(self, key: str) -> tuple[Scenario, list[ScenarioRun]]:
        return next(item for item in self.scenarios if item[0].key == key)

    @property
    def startup_median(self) -> float:
        return med([p.wall for p in self.startup])

    def suite_median(self, key: str) -> float:
        return med([r.suite.proc.wall for r in self.scenario(key)[1]])

    def concurrent_median(self, key: str) -> float:
        return med([r.concurrent.wall for r in self.scenario(key)[1]])

    def chain_median(self, key: str) -> float:
        return med([r.suite.chain for r in self.scenario(key)[1]])

    def median_run(self, key: str) -> ScenarioRun:
        """The run whose suite wall time is the median one (the lower middle for an even count)."""
        ordered = sorted(self.scenario(key)[1], key=lambda r: r.suite.proc.wall)
        return ordered[(len(ordered) - 1) // 2]

    @property
    def baseline(self) -> frozenset[str]:
        return self.st.baseline

    @property
    def st_median(self) -> float:
        """Steady state: Hypothesis's cache built (as the suite's own is in the repository), no failure cache."""
        return med([p.wall for p in self.st.warm])

    @property
    def tools(self) -> list[ToolRuns]:
        return [self.st] + ([self.tuned] if self.tuned else [])


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    limit: str
    met: bool | None
    margin: str
    why: str

    @property
    def verdict(self) -> str:
        return "not measured" if self.met is None else ("**met**" if self.met else "**missed**")


def _margin(value: float, limit: float, unit: str = " s") -> str:
    if value <= limit:
        return f"{limit - value:.2f}{unit} under the limit ({value / limit:.0%} of it)"
    return f"{value - limit:.2f}{unit} over the limit ({value / limit:.2f} x it)"


def _delayed(run: ScenarioRun, scale: float) -> list[tuple[float, float]]:
    """(start, end) of the calls the server delayed (a delay is 0.5-1 x scale; 0.45 x scale leaves room)."""
    if scale <= 0:
        return []
    return [(s.start, s.start + s.duration) for s in run.suite.steps if s.duration >= 0.45 * scale]


def delays_in_sequence(spans: list[tuple[float, float]]) -> int:
    """The most delayed calls that ran one after another (pairwise disjoint; greedy by end time)."""
    count, free_at = 0, -math.inf
    for start, end in sorted(spans, key=lambda span: span[1]):
        if start >= free_at:
            count, free_at = count + 1, end
    return count


def chain_target(results: Results) -> Target:
    scenario, _ = results.scenario("restivus")
    suite, chain, start = results.suite_median("restivus"), results.chain_median("restivus"), results.startup_median
    limit = CHAIN_FACTOR * (chain + start)
    run = results.median_run("restivus")
    spans = _delayed(run, scenario.delay_scale)
    p = run.suite.phases
    in_sequence = delays_in_sequence(spans)
    saving = (in_sequence - 1) * 0.75 * scenario.delay_scale
    tail = (
        f"{in_sequence} of them ran one after another, i.e. the delays were paid in {in_sequence} successive waves "
        f"(the probe pool of {MAX_PARALLEL} cannot hold all delayed probes at once, and the generated tests send "
        f"their wave after the probes are answered); one wave would save about {saving:.1f} s "
        f"(suite ≈ {suite - saving:.2f} s against the {limit:.2f} s limit)"
        if in_sequence > 1
        else "they were all paid in one wave"
    )
    why = (
        f"Median run: {p.before:.2f} s before the first request (pytest start-up {start:.2f} s, then plugin imports "
        f"and collection), {p.wire:.2f} s on the wire, {p.after:.2f} s after the last answer. On the wire the "
        f"data dependencies need {chain:.2f} s, but {len(spans)} calls were delayed (0.5-1 s each; at most "
        f"{p.in_flight} requests in flight at once, probe pool {MAX_PARALLEL}) and {tail}; the setup before them "
        "(info → login → privileged check → login) is sequential."
    )
    return Target(
        f"Restivus-era profile ({scenario.profile}) with real delays: suite wall ≤ 1.5 x (longest chain + start-up)",
        f"{suite:.2f} s (chain {chain:.2f} s, start-up {start:.2f} s)",
        f"{limit:.2f} s",
        suite <= limit,
        _margin(suite, limit),
        why,
    )


def window_target(results: Results) -> Target:
    per = {s.key: max(r.suite.under_window for r in runs) for s, runs in results.scenarios}
    worst = max(per.values())
    limited = [r.suite.counts.rate_limited for r in results.scenario("limited")[1]]
    why = (
        "Per run, the under-privileged account reaches getImportProgress only for the under-privileged probe "
        f"(busiest 60 s window per scenario: {', '.join(f'{k} {v}' for k, v in per.items())}); admin calls bypass "
        f"the limiter, unauthenticated ones never reach it. 429 answers with the limiter on: {max(limited)}."
    )
    return Target(
        "Non-admin (under-privileged) calls to the endpoint: ≤ 10 in any 60 s window",
        f"{worst} call(s)",
        f"{WINDOW_LIMIT}",
        worst <= WINDOW_LIMIT,
        f"{WINDOW_LIMIT - worst} call(s) to spare" if worst <= WINDOW_LIMIT else f"{worst - WINDOW_LIMIT} call(s) over",
        why,
    )


def floor_target(results: Results) -> Target:
    suite, start, client = results.suite_median("newest"), results.startup_median, results.concurrent_median("newest")
    floor = start + client
    ratio = suite / floor
    p = results.median_run("newest").suite.phases
    why = (
        f"Floor = pytest start-up {start:.2f} s + concurrent minimal client {client:.3f} s. Median suite run: "
        f"{p.before:.2f} s before its first request (start-up, then the plugin's imports, collection, drawing the "
        f"generated cases), {p.wire:.2f} s on the wire (at most {p.in_flight} request(s) in flight), {p.after:.2f} s "
        "after the last answer (judging each clause, the verdict summary)."
    )
    return Target(
        "Newest profile (8.8), no delay: suite ≤ 2 x floor (pytest start-up + concurrent minimal client)",
        f"{suite:.2f} s = {ratio:.2f} x floor ({floor:.2f} s)",
        f"{FLOOR_FACTOR * floor:.2f} s (2 x floor)",
        ratio <= FLOOR_FACTOR,
        _margin(suite, FLOOR_FACTOR * floor),
        why,
    )


def catch_target(results: Results) -> Target:
    if not results.faults:
        name = "More catalogue faults than schemathesis, in less wall time"
        return Target(name, "-", "-", None, "-", "sweep skipped")
    total = len(results.faults)
    suite = sum(1 for f in results.faults if f.suite_caught(results.suite_baseline))
    st_new = sum(1 for f in results.faults if f.st_caught(results.baseline))
    st_raw = sum(1 for f in results.faults if f.st_raw_caught())
    suite_wall, st_wall = results.suite_median("newest"), results.st_median
    faster = suite_wall < st_wall
    more = suite > st_new
    baseline = ", ".join(sorted(results.baseline)) or "none"
    why = (
        f"Catches: suite {suite}/{total}; schemathesis {st_new}/{total} with a failure the clean server does not "
        f"already give ({st_raw}/{total} by exit code alone, but its clean baseline already fails: {baseline}). "
        f"Time: suite {suite_wall:.2f} s vs schemathesis {st_wall:.2f} s with Hypothesis's cache built "
        f"({med([p.wall for p in results.st.cold]):.2f} s in a fresh directory, where Hypothesis first builds its "
        f"unicode charmap). pytest start-up alone is {results.startup_median:.2f} s of the suite's time "
        f"({med([p.wall for p in results.startup_bare]):.2f} s without plugin autoload: the installed pytest plugins, "
        "schemathesis's and Hypothesis's among them, are imported before any test runs)."
    )
    return Target(
        "More catalogue faults caught than schemathesis's default run, in less wall time",
        f"{suite} vs {st_new} faults; {suite_wall:.2f} s vs {st_wall:.2f} s",
        "more faults and less time",
        more and faster,
        f"faults: {suite - st_new:+d}; time: {suite_wall - st_wall:+.2f} s ({suite_wall / st_wall:.2f} x schemathesis)",
        why,
    )


def evaluate(results: Results) -> list[Target]:
    return [chain_target(results), window_target(results), floor_target(results), catch_target(results)]


def spec_note(proc: Proc, bundled: bool) -> str:
    """Say whether schemathesis followed the fragment's relative $refs, for the results."""
    if bundled:
        return (
            "schemathesis could not resolve the fragment's relative `$ref`s (`../schemas/*.json`); the benchmark "
            "bundled the spec into a temp file (refs inlined from `rocketchat_contract.schemas.store()`)"
        )
    if st_cli.unresolved(proc):
        return "schemathesis warned about unresolvable references"
    return (
        "schemathesis resolved the fragment's relative `$ref`s (`../schemas/*.json`) itself (no unresolvable-"
        "reference warning; schema faults raise ST108), so the spec is used as is"
    )
