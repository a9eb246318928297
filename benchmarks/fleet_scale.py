"""Issue 15's scale target: a fleet of reference servers checked with --jobs 4 against the same targets
checked one at a time (the sum of single runs), with each target's memory."""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rocketchat_contract.commands.main import main
from rocketchat_contract.reference import FAULTS, PROFILES, Knobs, Operation
from rocketchat_contract.reference.profiles import profile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "selftests"))  # the self-tests' fleet of reference servers
from reference_fleet import Member, ReferenceFleet

OPERATION = Operation.parse("csv:importer_importing_messages:120/500")
JOBS = 4
WALL_FACTOR = 0.5


def members(count: int, *, delays: bool = True) -> list[Member]:
    """``count`` targets cycling through every profile; Restivus-era ones alternate real delays (unless ``delays`` is
    False); one in six broken."""
    # Hostile text is no workload of its own (and a hostile header breaks no clause): the broken servers stay.
    faults = sorted(name for name, fault in FAULTS.items() if fault.kind != "hostile-text")
    spots = max(1, count // 6)
    broken = {(k + 1) * count // (spots + 1): faults[k * len(faults) // spots] for k in range(spots)}
    chosen = []
    plain = 0  # counts only unbroken targets, so a broken spot never takes a profile's only turn
    for index in range(count):
        name = PROFILES[plain % len(PROFILES)]
        delayed = delays and profile(name).restivus and (plain // len(PROFILES)) % 2 == 0
        plain += index not in broken
        if index in broken:
            knobs, name = Knobs(operation=OPERATION, faults=frozenset({broken[index]})), "8.8"
        else:
            knobs = Knobs(operation=OPERATION, delay_scale=1.0 if delayed else 0.0)
        tag = "broken" if index in broken else ("delayed" if delayed else "plain")
        chosen.append(Member(f"t{index:02d}-{name}-{tag}", name, knobs))
    return chosen


@dataclass
class FleetRun:
    jobs: int
    wall: float
    status: int
    report: dict[str, Any]

    @property
    def durations(self) -> dict[str, float]:
        return {t["name"]: t["duration_s"] for t in self.report["targets"]}

    @property
    def verdicts(self) -> dict[str, dict[str, str]]:
        return {t["name"]: t["verdicts"] for t in self.report["targets"]}


def _fleet(fleet: ReferenceFleet, folder: Path, jobs: int) -> FleetRun:
    for server in fleet.servers.values():
        server.reset()
    report = folder / f"fleet-{jobs}.json"
    with contextlib.ExitStack() as stack:
        for name, value in fleet.environment().items():
            stack.enter_context(_env(name, value))
        stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
        started = time.perf_counter()
        fleet_file = fleet.fleet_file(folder / "fleet.yaml")
        status = main(["fleet", str(fleet_file), "--jobs", str(jobs), "--report", str(report)])
        wall = time.perf_counter() - started
    return FleetRun(jobs, wall, status, json.loads(report.read_text(encoding="utf-8")))


@contextlib.contextmanager
def _env(name: str, value: str) -> Any:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


@dataclass
class Scale:
    members: list[Member]
    single: FleetRun
    """The fleet with --jobs 1: every target alone, one after the other (each duration is a single run)."""
    parallel: FleetRun
    fleet_rss_mb: float

    @property
    def total(self) -> float:
        return sum(self.single.durations.values())

    @property
    def slowest(self) -> tuple[str, float]:
        return max(self.single.durations.items(), key=lambda item: item[1])

    def memory(self) -> list[float]:
        return [t["peak_rss_mb"] for t in self.parallel.report["targets"] if t["peak_rss_mb"] is not None]

    @property
    def same_verdicts(self) -> bool:
        return self.single.verdicts == self.parallel.verdicts

    def target(self) -> tuple[str, str, str, bool]:
        limit = WALL_FACTOR * self.total
        return (
            f"fleet of {len(self.members)} with --jobs {JOBS}: wall <= 0.5 x sum of single runs",
            f"{self.parallel.wall:.1f} s = {self.parallel.wall / self.total:.2f} x sum {self.total:.1f} s",
            f"{limit:.1f} s",
            self.parallel.wall <= limit,
        )


def measure_scale(count: int, mark: Callable[[str], None] = lambda what: None) -> Scale:
    chosen = members(count)
    with ReferenceFleet(chosen) as fleet, tempfile.TemporaryDirectory(prefix="bench-fleet-") as folder:
        single = _fleet(fleet, Path(folder), 1)
        mark("after the fleet with --jobs 1")
        parallel = _fleet(fleet, Path(folder), JOBS)
        mark(f"after the fleet with --jobs {JOBS}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Scale(chosen, single, parallel, rss)
