"""The verdict table printed at the end of every run."""

from __future__ import annotations

from .explain import describe_partly_verified
from .ledger import Ledger
from .record import RunRecord

WIDTH = 110


def summary_lines(run: RunRecord, ledger: Ledger) -> list[str]:
    """The table: target, notes, one line per clause, the counts, cleanup problems (all redacted already).

    A run that could not test its target prints only its cleanup problems: the exit message says the rest."""
    if run.error:
        return [f"cleanup problem: {p}" for p in run.cleanup_problems]
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
    partly = ledger.partly_verified()
    lines.append(
        ", ".join(f"{n} {v}" for v, n in counts.items()) + (f", {len(partly)} partly verified" if partly else "")
    )
    lines += [f"partly verified: {describe_partly_verified(result)}" for result in partly]
    lines += [f"cleanup problem: {p}" for p in run.cleanup_problems]
    return lines
