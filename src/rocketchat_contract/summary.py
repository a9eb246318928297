"""The verdict table printed at the end of every run."""

from __future__ import annotations

from .ledger import Ledger
from .record import RunRecord

WIDTH = 110


def summary_lines(run: RunRecord, ledger: Ledger) -> list[str]:
    """The table: target, notes, one line per clause, the counts, cleanup problems (all redacted already)."""
    lines = [f"target: {run.target}"]
    lines += [f"note: {note}" for note in run.notes]
    results = ledger.results()
    width = max((len(r.clause.id) for r in results), default=10)
    for result in results:
        first = result.detail.splitlines()[0] if result.detail else ""
        if len(first) > WIDTH:
            first = first[: WIDTH - 1] + "…"
        lines.append(f"{result.clause.id:<{width}}  {result.verdict.shout:<12}  {first}")
    counts = ledger.counts()
    lines.append(", ".join(f"{n} {v}" for v, n in counts.items()))
    lines += [f"cleanup problem: {p}" for p in run.cleanup_problems]
    return lines
