"""What a fleet run is about to do, said before any traffic: how many targets, at how many at a time, for about how
long; and the bound past which a run needs an explicit ``--max-targets``."""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rocketchat_contract.fleet.shard import Shard

MAX_TARGETS = 1000
"""The most targets one run takes without ``--max-targets``: a larger fleet is hours of one machine's time (see
``SECONDS_PER_TARGET``), more likely a mistake or a job for ``--shard``."""
SECONDS_PER_TARGET = 0.7
"""Wall seconds one target takes of one job slot, the basis of every estimate. Measured by benchmarks/fleet_large.py
(benchmarks/RESULTS.md, "Large fleets"): 200 reference-server targets without delays at the default ``--jobs 4`` in
35-43 s on a 2-core machine, the servers on the same machine, and 1,000 in 170-194 s (two sets of three runs), i.e.
0.7-0.9 s per target per slot; an unreachable target takes 0.1-0.2 s. A real server adds its network and, before 7.x,
Restivus's 0.5-1 s delay of each 401 and 403. Change it here when the benchmark's figure moves."""


def default_jobs() -> int:
    """Targets run at a time by default: the runs mostly wait on the network, so twice the cores, at most 4."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(4, 2 * cores))


@dataclass(frozen=True)
class Plan:
    """The run to come: the fleet file's targets, the origin of each target of this run (its shard), and the job
    slots they get."""

    file_targets: int
    origins: Sequence[str]
    jobs: int
    shard: Shard | None = None

    @property
    def targets(self) -> int:
        return len(self.origins)

    @property
    def slots(self) -> int:
        """Job slots that can be busy at once: never more than targets, nor than distinct origins (one run per
        origin at a time)."""
        return max(1, min(self.jobs, self.targets, len(set(self.origins))))

    def estimate(self) -> float:
        """Wall seconds the run should take: the targets spread over the slots, or the busiest origin's targets one
        after another, whichever is longer, at ``SECONDS_PER_TARGET`` each."""
        if not self.origins:
            return 0.0
        busiest = max(Counter(self.origins).values())
        rounds = max(math.ceil(self.targets / self.slots), busiest)
        return rounds * SECONDS_PER_TARGET

    def line(self, source: str) -> str:
        """The one plan line printed before any traffic."""
        where = f"{self.targets} in shard {self.shard}" if self.shard else "all of them"
        busy = f"--jobs {self.jobs}" + (
            "" if self.slots == self.jobs else f", {self.slots} at a time at most (one run per origin)"
        )
        return (
            f"plan: {_count(self.file_targets)} in {source}, {where}; {busy}; about {duration(self.estimate())} "
            f"(at {SECONDS_PER_TARGET:g} s per target per job, benchmarks/RESULTS.md)"
        )

    def too_large(self, bound: int) -> str | None:
        """Why a run of this many targets needs ``--max-targets`` (None: it is within ``bound``)."""
        if self.targets <= bound:
            return None
        shards = math.ceil(self.targets / MAX_TARGETS) * (self.shard.count if self.shard else 1)
        return (
            f"{self.targets} targets in this run, more than {bound}: it would take about {duration(self.estimate())} "
            f"at {self.slots} at a time; give --max-targets {self.targets} to run them all, or split the fleet over "
            f"machines with --shard K/{shards} (docs/fleet.md)"
        )


def _count(n: int) -> str:
    return f"{n:,} target" + ("" if n == 1 else "s")


def duration(seconds: float) -> str:
    """A duration as people say it: ``40 s``, ``12 min``, ``2.4 h``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
