"""Issue 22's size target: the JSON compliance report of a default run and of each target of a fleet of 20,
now that it keeps every exchange its verdicts rest on. ``python benchmarks/report_size.py`` prints a Markdown
section for RESULTS.md."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet_scale import OPERATION, _fleet, members
from reference_fleet import Member, ReferenceFleet  # on sys.path through fleet_scale

from rocketchat_contract.reference import Knobs

LIMIT = 1_000_000
"""Bytes per target (goal: under 1 MB)."""


def _size(report: dict[str, Any]) -> int:
    """The bytes of the report as --compliance-report writes it (indented JSON, UTF-8)."""
    return len((json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode())


def _parts(report: dict[str, Any]) -> str:
    observed = report["observations"]
    generated = sum(len(v) for v in observed["generated"].values())
    return f"{len(observed['probes'])} probes, {generated} generated requests"


def measure(members: list[Member], jobs: int) -> tuple[list[tuple[str, int, str]], int]:
    with ReferenceFleet(members) as fleet, tempfile.TemporaryDirectory(prefix="bench-size-") as folder:
        run = _fleet(fleet, Path(folder), jobs)
        whole = (Path(folder) / f"fleet-{jobs}.json").stat().st_size
    sizes = [(t["name"], _size(t["report"]), _parts(t["report"])) for t in run.report["targets"] if t["report"]]
    return sizes, whole


def main() -> None:
    default, _ = measure([Member("default-8.8", "8.8", Knobs(operation=OPERATION))], 1)
    fleet, whole = measure(members(20), 4)
    median = sorted(size for _, size, _ in fleet)[len(fleet) // 2]
    largest = max(fleet, key=lambda row: row[1])
    met = max(size for _, size, _ in [*default, *fleet]) < LIMIT
    lines = [
        "## JSON report size",
        "",
        "Written by `python benchmarks/report_size.py` (issue 22: a report keeps every exchange its verdicts rest on).",
        "",
        "| Measurement | Size |",
        "|---|---|",
        *(f"| default run, 8.8 ({parts}) | {size / 1000:.0f} kB |" for _, size, parts in default),
        f"| fleet of {len(fleet)}: per target, median | {median / 1000:.0f} kB |",
        f"| fleet of {len(fleet)}: largest target ({largest[0]}, {largest[2]}) | {largest[1] / 1000:.0f} kB |",
        f"| fleet of {len(fleet)}: the fleet report (every target's report embedded) | {whole / 1000:.0f} kB |",
        f"| goal: under 1 MB per target | **{'met' if met else 'missed'}** |",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
