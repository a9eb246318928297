"""Issue 22's size target, and issue 27's: the JSON compliance report of a default run and of each target of a
fleet of 20, as written (each exchange once, in ``observations``, which each clause's evidence names by id) and as
it would be with each clause's exchanges inline again (how reports kept them before issue 27).
``python benchmarks/report_size.py`` prints a Markdown section for RESULTS.md."""

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
from rocketchat_contract.reports.observations import resolved

LIMIT = 1_000_000
"""Bytes per target (goal: under 1 MB)."""


def _size(document: dict[str, Any]) -> int:
    """The bytes of a document as the suite writes it (indented JSON, UTF-8)."""
    return len((json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode())


def _sizes(report: dict[str, Any]) -> tuple[int, int]:
    """The report's size as written, and with each clause's exchanges inline."""
    return _size(report), _size(resolved(report))


def _parts(report: dict[str, Any]) -> str:
    observed = report["observations"]
    generated = sum(len(v) for v in observed["generated"].values())
    return f"{len(observed['probes'])} probes, {generated} generated requests"


Row = tuple[str, tuple[int, int], str]


def measure(members: list[Member], jobs: int) -> tuple[list[Row], tuple[int, int]]:
    with ReferenceFleet(members) as fleet, tempfile.TemporaryDirectory(prefix="bench-size-") as folder:
        document = _fleet(fleet, Path(folder), jobs).report
    sizes = [(t["name"], _sizes(t["report"]), _parts(t["report"])) for t in document["targets"] if t["report"]]
    targets = [{**t, "report": t["report"] and resolved(t["report"])} for t in document["targets"]]
    inline = {**document, "targets": targets}
    return sizes, (_size(document), _size(inline))


def _kb(sizes: tuple[int, int]) -> str:
    return f"{sizes[0] / 1000:.0f} kB | {sizes[1] / 1000:.0f} kB"


def main() -> None:
    default, _ = measure([Member("default-8.8", "8.8", Knobs(operation=OPERATION))], 1)
    fleet, whole = measure(members(20), 4)
    median = sorted(fleet, key=lambda row: row[1][0])[len(fleet) // 2][1]
    largest = max(fleet, key=lambda row: row[1][0])
    met = max(size for _, (size, _), _ in [*default, *fleet]) < LIMIT
    lines = [
        "## JSON report size",
        "",
        "Written by `python benchmarks/report_size.py` (issue 22: a report keeps every exchange its verdicts rest on; "
        "issue 27: each once, in `observations`, which each clause's evidence names by id). The last column is the "
        "same report with each clause's exchanges inline again, as reports kept them before issue 27.",
        "",
        "| Measurement | As written | Evidence inline |",
        "|---|---|---|",
        *(f"| default run, 8.8 ({parts}) | {_kb(sizes)} |" for _, sizes, parts in default),
        f"| fleet of {len(fleet)}: per target, median | {_kb(median)} |",
        f"| fleet of {len(fleet)}: largest target ({largest[0]}, {largest[2]}) | {_kb(largest[1])} |",
        f"| fleet of {len(fleet)}: the fleet report (every target's report embedded) | {_kb(whole)} |",
        f"| goal: under 1 MB per target | **{'met' if met else 'missed'}** | |",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
