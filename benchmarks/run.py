"""Benchmark the contract suite against the reference server, next to its floor and to ``schemathesis run``.

Usage: ``.venv/bin/python benchmarks/run.py [--runs N] [--quick] [--faults all|none|a,b] [--output PATH]``.
Writes a results table (``benchmarks/RESULTS.md`` by default). See that file's notes for the method.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import logstats
import report
import st_cli
import suite_runs
import sweep
from measure import Proc, machine
from served import Served
from suite_runs import ALL_TESTS, CORE_TESTS, REPO, Scenario
from targets import Results, ToolRuns, med, spec_note

from rocketchat_contract.reference import FAULTS, PROFILES

SWEEP_BUDGET = 200.0
"""Seconds the fault sweep may take with the whole of tests/ before it falls back to the core test file."""
CONTENTION = 1.8
"""Slow-down of each process when the sweep runs 2 at a time on 2 cores (measured: 151 s vs 82 s estimated)."""


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement; medians are reported (default 5)")
    parser.add_argument("--quick", action="store_true", help="1 run, one fault per kind")
    parser.add_argument("--faults", default="", help="'all', 'none' or a comma list (default: all; quick: one/kind)")
    parser.add_argument("--workers", type=int, default=2, help="faults swept at a time (default 2)")
    parser.add_argument("--sweep-tests", choices=("auto", "all", "core"), default="auto", help="tests/ for the sweep")
    parser.add_argument("--restivus-profile", choices=("5.4", "3.18"), default="5.4")
    parser.add_argument("--bundle-spec", action="store_true", help="always give schemathesis the bundled spec")
    parser.add_argument("--output", type=Path, default=REPO / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = 1
    args.runs = max(1, min(args.runs, 50))
    args.workers = max(1, min(args.workers, 8))
    return args


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def chosen_faults(args: argparse.Namespace) -> list[str]:
    if args.faults == "none":
        return []
    if args.faults in ("", "all"):
        return sweep.catalogue(args.quick and args.faults != "all")
    names = [name.strip() for name in args.faults.split(",") if name.strip()]
    unknown = [name for name in names if name not in FAULTS]
    if unknown:
        raise SystemExit(f"unknown faults: {', '.join(unknown)} (see faults.yaml)")
    return names


def measure_startup(runs: int) -> tuple[list[Proc], list[Proc]]:
    """pytest start-up as installed, and without plugin autoload (to show what the plugins cost)."""
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        full = [suite_runs.startup(Path(tmp)) for _ in range(runs)]
        bare = [suite_runs.startup(Path(tmp), autoload=False) for _ in range(runs)]
    return full, bare


def measure_scenario(scenario: Scenario, runs: int) -> list[suite_runs.ScenarioRun]:
    with Served(scenario.profile, scenario.knobs()) as served:
        done = []
        for index in range(runs):
            done.append(suite_runs.measure(served, scenario, ALL_TESTS))
            log(f"{scenario.key} run {index + 1}/{runs}: suite {done[-1].suite.proc.wall:.2f} s")
        return done


def choose_spec(served: Served, scenario: Scenario, tmp: Path, force: bool) -> tuple[Path, str]:
    """The fragment as is if schemathesis resolves its relative $refs, else a bundled copy."""
    if not force:
        accounts = served.reset(scenario.knobs())
        probe_dir = tmp / "probe"
        probe_dir.mkdir()
        proc = st_cli.run_schemathesis(st_cli.SPEC, served.url, accounts["admin"], probe_dir)
        if not st_cli.unresolved(proc) and proc.returncode in (0, 1):
            return st_cli.SPEC, spec_note(proc, bundled=False)
    bundled = st_cli.bundle(st_cli.SPEC, tmp / "getImportProgress.bundled.yaml")
    note = spec_note(Proc((), 0, 0.0, 0, "", ""), bundled=True)
    return bundled, note + (" (forced with --bundle-spec)" if force else "")


def measure_schemathesis(
    scenario: Scenario, runs: int, tmp: Path, force_bundle: bool
) -> tuple[ToolRuns, ToolRuns | None, Path, str]:
    """Default settings cold (fresh directory) and warm (Hypothesis cache kept, failure cache dropped); then the
    project's schemathesis.toml, warm, if the repository has one. Profile 8.8, no delay."""
    config = st_cli.project_config()
    default = ToolRuns("schemathesis run, default settings", [], [])
    tuned = ToolRuns("schemathesis run, the repository's schemathesis.toml", [], []) if config else None
    with Served(scenario.profile, scenario.knobs()) as served:
        spec, note = choose_spec(served, scenario, tmp, force_bundle)
        for index in range(runs):
            workdir = tmp / f"st-{index}"
            workdir.mkdir()
            accounts = served.reset(scenario.knobs())
            default.cold.append(st_cli.run_schemathesis(spec, served.url, accounts["admin"], workdir))
            default.counts.append(logstats.count(served.collect()[0], accounts))
            accounts = served.reset(scenario.knobs())
            st_cli.forget_failures(workdir)
            default.warm.append(st_cli.run_schemathesis(spec, served.url, accounts["admin"], workdir))
            if tuned is not None:
                accounts = served.reset(scenario.knobs())
                st_cli.forget_failures(workdir)
                tuned.warm.append(st_cli.run_schemathesis(spec, served.url, accounts["admin"], workdir, config))
                tuned.counts.append(logstats.count(served.collect()[0], accounts))
            cold, warm = default.cold[-1].wall, default.warm[-1].wall
            log(f"schemathesis run {index + 1}/{runs}: {cold:.2f} s cold, {warm:.2f} s warm")
    return default, tuned, spec, note


def sweep_tests(choice: str, per_fault: float, faults: int, workers: int) -> tuple[tuple[str, ...], str]:
    """All of tests/ unless the estimate (suite + schemathesis runs per fault) blows the time budget (auto)."""
    estimate = per_fault * faults / workers * (CONTENTION if workers > 1 else 1.0)
    if choice == "all" or (choice == "auto" and estimate <= SWEEP_BUDGET):
        return ALL_TESTS, f"The whole of tests/ is swept (estimated {estimate:.0f} s, budget {SWEEP_BUDGET:.0f} s)."
    if choice == "core":
        return CORE_TESTS, "Only tests/test_get_import_progress.py is swept (--sweep-tests core)."
    return CORE_TESTS, (
        f"Only tests/test_get_import_progress.py is swept: with the whole of tests/ ({per_fault:.1f} s per fault) the "
        f"sweep would take about {estimate:.0f} s, over its {SWEEP_BUDGET:.0f} s budget (--sweep-tests all forces it)."
    )


def test_files() -> list[str]:
    return sorted(path.relative_to(REPO).as_posix() for path in (REPO / "tests").glob("test_*.py"))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    # Measure as on a user's machine: with PYTHONDONTWRITEBYTECODE set (as on this workplace's machines),
    # pytest cannot cache its assertion-rewritten plugin modules and recompiles hypothesis and schemathesis
    # on every start, about a second that no user pays.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    faults = chosen_faults(args)
    plan = suite_runs.scenarios(args.restivus_profile)
    assert args.restivus_profile in PROFILES
    log(f"pytest start-up x{args.runs}")
    startup, bare = measure_startup(args.runs)
    measured = [(scenario, measure_scenario(scenario, args.runs)) for scenario in plan]
    newest = plan[0]
    with tempfile.TemporaryDirectory(prefix="bench-st-") as tmp:
        default, tuned, spec, note = measure_schemathesis(newest, args.runs, Path(tmp), args.bundle_spec)
        per_fault = med([r.suite.proc.wall for r in measured[0][1]]) + sum(
            med([p.wall for p in tool.warm]) for tool in (default, tuned) if tool
        )
        tests, sweep_note = sweep_tests(args.sweep_tests, per_fault, len(faults), args.workers)
        log(f"fault sweep: {len(faults)} faults, {args.workers} at a time, tests {' '.join(tests)}")
        sweep_started = time.perf_counter()
        swept = sweep.sweep(faults, newest, tests, spec, args.workers, st_cli.project_config())
        sweep_wall = time.perf_counter() - sweep_started
        results = Results(
            runs=args.runs,
            quick=args.quick,
            machine=machine(),
            test_files=test_files(),
            startup=startup,
            startup_bare=bare,
            scenarios=measured,
            st=default,
            st_spec=spec,
            st_spec_note=note,
            tuned=tuned,
            suite_baseline=frozenset().union(*(r.suite.proc.failed for r in measured[0][1])),
            faults=swept,
            sweep_tests=tests,
            sweep_note=sweep_note,
            sweep_wall=sweep_wall,
            workers=args.workers,
        )
    results.total = time.perf_counter() - started
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report.render(results), encoding="utf-8")
    log(f"wrote {args.output} in {results.total:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
