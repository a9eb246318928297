"""Benchmark the start-up targets of issue 12, the fleet target of issue 15 and the side-by-side of issue 28;
write benchmarks/RESULTS.md.

Usage: ``.venv/bin/python benchmarks/run.py [--runs N] [--fleet-size N] [--only startup|fleet|versus] [--quick]
[--output PATH]``. See RESULTS.md's Method section for what is measured and how.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import results
from fleet_scale import measure_scale
from measure import load, machine
from startup import REPO, Startup, measure_generated, measure_runs, measure_unrelated
from versus import measure_versus


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per start-up measurement (default 5)")
    parser.add_argument("--fleet-size", type=int, default=20, help="reference servers in the fleet (default 20)")
    parser.add_argument("--only", choices=("startup", "fleet", "versus"), help="measure one part only")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 run, a fleet of 4")
    parser.add_argument("--output", type=Path, default=REPO / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.fleet_size = 1, 4
    args.runs = max(1, min(args.runs, 50))
    args.fleet_size = max(3, min(args.fleet_size, 60))
    return args


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    with tempfile.TemporaryDirectory(prefix="bench-caches-") as caches:
        os.environ["XDG_CACHE_HOME"] = caches  # the runs' drawn requests, kept out of the user's cache
        return measure_all(args, argv)


def measure_all(args: argparse.Namespace, argv: Sequence[str] | None) -> int:
    started = time.perf_counter()
    about = machine()
    startup = scale = versus = None
    loads = [("start", load())]
    if args.only in (None, "startup"):
        startup = Startup()
        log(f"unrelated pytest session, {args.runs} run(s) with and without the plugin")
        measure_unrelated(startup, args.runs)
        log("contract runs: 8.8 without delays, Restivus era with real delays")
        measure_runs(startup, args.runs)
        log("the generated requests' import and drawing, outside pytest")
        measure_generated(startup, args.runs)
        loads.append(("after the start-up part", load()))
    if args.only in (None, "fleet"):
        log(f"fleet of {args.fleet_size} reference servers, --jobs 1 then --jobs 4")
        scale = measure_scale(args.fleet_size, lambda what: loads.append((what, load())))
    if args.only in (None, "versus"):
        log(f"the suite and schemathesis run side by side, {args.runs} pair(s), alternating which goes first")
        versus = measure_versus(args.runs, cold_runs=min(args.runs, 3), log=log)
        loads.append(("after the side-by-side", load()))
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    took = time.perf_counter() - started
    kept = results.kept_sections(args.output)
    text = results.render(about, startup, scale, args.runs, took, command.strip(), loads, versus, kept)
    args.output.write_text(text, encoding="utf-8")
    log(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
