"""Issue 28's large-fleet targets: fleets of 200 and 1,000 reference servers without delays (wall time, and the
peak memory of the whole fleet: the command and every worker it started, summed while they run), unreachable
targets (one alone, and each of 40 in one fleet), and a fleet file of 10,000 unreachable targets planned.

``python benchmarks/fleet_large.py [--sizes 200 1000] [--repeat N] [--write]`` prints a Markdown section for
RESULTS.md (with --repeat, medians of N runs of each fleet); with --write it replaces that section of
benchmarks/RESULTS.md (run.py does not write it). The reference servers run in this process, the fleet as
``rocketchat-contract fleet`` in a child process of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet_scale import members
from measure import load, machine, med, publish, rss_kb
from startup import REPO

from rocketchat_contract.reference import free_port

sys.path.insert(0, str(REPO / "selftests"))
from reference_fleet import ReferenceFleet

HEADING = "## Large fleets"
TARGETS = {200: 60.0, 1000: 240.0}
"""Fleet size -> wall-time limit in seconds (issue 28)."""
MEMORY_LIMIT_MB = 600
UNREACHABLE_LIMIT = 1.5
PLAN_LIMIT = 2.0
SAMPLE = 0.25
PLAN_GUARD = 30.0
"""Seconds a fleet of 10,000 unreachable targets may run before it is stopped: the target is an answer in 2 s."""


def _tree(root: int) -> list[int]:
    """``root`` and every process descended from it, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


@dataclass
class Fleet:
    """One ``rocketchat-contract fleet`` command: its wall time, the peak of its process tree's summed memory."""

    targets: int
    wall: float = 0.0
    status: int = 0
    peak_mb: float = 0.0
    report: dict[str, Any] = field(default_factory=dict)
    output: str = ""

    @property
    def outcomes(self) -> str:
        summary = self.report.get("summary", {})
        return ", ".join(f"{summary[k]} {k}" for k in ("pass", "fail", "untestable", "interrupted") if summary.get(k))

    def durations(self) -> list[float]:
        return [t["duration_s"] for t in self.report.get("targets", [])]


def run_fleet(entries: list[dict[str, Any]], env: dict[str, str], folder: Path, *extra: str) -> Fleet:
    """Write the fleet file, run the command in a child process, sample its tree's memory until it ends."""
    path = folder / "fleet.yaml"
    path.write_text(yaml.safe_dump({"targets": entries}, sort_keys=False), encoding="utf-8")
    report = folder / "fleet.json"
    report.unlink(missing_ok=True)
    argv = [sys.executable, "-c", "from rocketchat_contract.commands.main import main; raise SystemExit(main())"]
    argv += ["fleet", str(path), "--report", str(report), *extra]
    result = Fleet(len(entries))
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen(argv, env=env, cwd=folder, stdout=out, stderr=subprocess.STDOUT)
        peak = 0
        while child.poll() is None:
            peak = max(peak, sum(rss_kb(pid) for pid in _tree(child.pid)))
            time.sleep(SAMPLE)
        result.wall = time.perf_counter() - started
        out.seek(0)
        result.output = out.read().decode("utf-8", "replace")
    result.status, result.peak_mb = child.returncode, peak / 1024
    if report.exists():
        result.report = json.loads(report.read_text(encoding="utf-8"))
    return result


def reference_fleet(count: int, folder: Path) -> Fleet:
    """``count`` reference servers cycling through every profile, one in six broken, no delays."""
    chosen = members(count, delays=False)
    with ReferenceFleet(chosen) as fleet:
        env = {**os.environ, **fleet.environment()}
        return run_fleet(fleet.entries(), env, folder)


def unreachable(count: int) -> list[dict[str, Any]]:
    """Targets on free ports of 127.0.0.1 where nothing listens (a refused connection, the quickest failure)."""
    return [{"name": f"down-{i:05d}", "base_url": f"http://127.0.0.1:{free_port()}"} for i in range(count)]


def planned(count: int, folder: Path) -> tuple[float, str]:
    """Seconds until the command answers a fleet file of ``count`` unreachable targets (it refuses, or plans), and its
    first line; every port is the same, as nothing needs to listen."""
    path = folder / "big.yaml"
    entries = [{"name": f"down-{i:05d}", "base_url": f"http://127.0.0.1:9/{i}"} for i in range(count)]
    path.write_text(yaml.safe_dump({"targets": entries}, sort_keys=False), encoding="utf-8")
    argv = [sys.executable, "-c", "from rocketchat_contract.commands.main import main; raise SystemExit(main())"]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [*argv, "fleet", str(path)], capture_output=True, text=True, timeout=PLAN_GUARD, cwd=folder
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - started, f"still running after {PLAN_GUARD:.0f} s, then stopped"
    first = (done.stdout + done.stderr).strip().splitlines()[:1]
    return time.perf_counter() - started, f"exit {done.returncode}: {first[0] if first else ''}"


def _met(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def _middle(fleets: list[Fleet]) -> Fleet:
    """The run of median wall time (the upper one of an even count)."""
    return sorted(fleets, key=lambda fleet: fleet.wall)[len(fleets) // 2]


def _spread(values: list[float], unit: str, digits: int) -> str:
    """``median unit`` and, over several runs, their range."""
    text = f"{med(values):.{digits}f} {unit}"
    if len(values) == 1:
        return text
    return f"{text} (median of {len(values)}: {min(values):.{digits}f}-{max(values):.{digits}f})"


def section(
    results: dict[int, list[Fleet]],
    lone: list[Fleet],
    many: Fleet,
    plan: list[tuple[float, str]],
    loads: list[float],
    repeat: int,
) -> str:
    info = machine()
    command = "python benchmarks/fleet_large.py --write" + (f" --repeat {repeat}" if repeat > 1 else "")
    lines = [
        HEADING,
        "",
        f"Written by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{info['CPU']}, {info['Cores']}; load average (1 min) {', '.join(f'{x:.1f}' for x in loads)} "
        "(start, after each fleet). The reference servers share the machine (and this process) with the fleet, so "
        f"their work is in the wall times too. Each fleet ran `--jobs` at its default, {repeat} time(s); a wall time "
        "is the median of its runs (their range beside it), a peak memory the largest of them.",
        "",
        "| Target | Measured | Limit | Verdict |",
        "|---|---|---|---|",
    ]
    for size, fleets in results.items():
        limit = TARGETS.get(size)
        walls = [fleet.wall for fleet in fleets]
        middle = _middle(fleets)
        if limit is not None:
            lines.append(
                f"| {size} reference targets, wall | {_spread(walls, 's', 0)}; {middle.outcomes}; exit {middle.status} "
                f"| {limit:.0f} s | {_met(med(walls) <= limit)} |"
            )
        peak = max(fleet.peak_mb for fleet in fleets)
        lines.append(
            f"| {size} reference targets, peak memory of the whole fleet | {peak:.0f} MB "
            f"| {MEMORY_LIMIT_MB} MB | {_met(peak <= MEMORY_LIMIT_MB)} |"
        )
    lone_walls = [fleet.wall for fleet in lone]
    lines.append(
        f"| a fleet of one unreachable target, the whole command | {_spread(lone_walls, 's', 2)} "
        f"| {UNREACHABLE_LIMIT} s | {_met(med(lone_walls) <= UNREACHABLE_LIMIT)} |"
    )
    each = med(many.durations())
    lines.append(
        f"| each of {many.targets} unreachable targets in one fleet (median) | {each:.2f} s | {UNREACHABLE_LIMIT} s "
        f"| {_met(each <= UNREACHABLE_LIMIT)} |"
    )
    plan_walls = [wall for wall, _ in plan]
    lines.append(
        f"| 10,000 unreachable targets: planned and refused or estimated | {_spread(plan_walls, 's', 2)} "
        f"({plan[0][1]}) | {PLAN_LIMIT} s | {_met(med(plan_walls) <= PLAN_LIMIT)} |"
    )
    lines += ["", "| Fleet (its median run) | targets/min | median target, s | slowest target, s |"]
    lines.append("|---|---|---|---|")
    for size, fleets in results.items():
        middle = _middle(fleets)
        durations = middle.durations()
        rate = 60 * size / middle.wall if middle.wall else 0.0
        lines.append(f"| {size} reference targets | {rate:.0f} | {med(durations):.2f} | {max(durations):.2f} |")
    rate = 60 * many.targets / many.wall
    lines.append(f"| {many.targets} unreachable | {rate:.0f} | {each:.2f} | {max(many.durations()):.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(TARGETS), help="fleet sizes (default 200 1000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each fleet; the table shows medians (default 1)")
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    loads = [load()]
    results: dict[int, list[Fleet]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-large-") as tmp:
        folder = Path(tmp)
        for size in args.sizes:
            for _ in range(args.repeat):
                results.setdefault(size, []).append(reference_fleet(size, folder))
                loads.append(load())
                print(f"{size}: {results[size][-1].wall:.1f} s, {results[size][-1].peak_mb:.0f} MB", file=sys.stderr)
        lone = [run_fleet(unreachable(1), dict(os.environ), folder) for _ in range(max(args.repeat, 3))]
        many = run_fleet(unreachable(40), dict(os.environ), folder)
        plan = [planned(10_000, folder) for _ in range(max(args.repeat, 3))]
    publish(HEADING, section(results, lone, many, plan, loads, args.repeat), write=args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
