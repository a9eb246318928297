"""The verdict table printed at the end of every run."""

from __future__ import annotations

from .explain import describe_partly_verified
from .ledger import Ledger
from .run import ContractRun
from .verdicts import Verdict

_LABEL = {
    Verdict.CONFORMS: "conforms",
    Verdict.KNOWN_DRIFT: "KNOWN DRIFT",
    Verdict.VIOLATION: "VIOLATION",
    Verdict.NOT_VERIFIED: "not verified",
}


def describe_target(run: ContractRun) -> str:
    placement = run.placement
    where = (
        f"embedded reference server (profile {run.settings.embedded})"
        if run.settings.embedded
        else run.settings.base_url
    )
    if placement is None:
        return where
    return f"{where}, Rocket.Chat {placement.reported} (era {placement.era.id})"


def summary_lines(run: ContractRun, ledger: Ledger, problems: list[str]) -> list[str]:
    if run.aborted:  # the exit message says it all; nothing was judged
        return [run.redactor.text(f"cleanup problem: {p}") for p in problems]
    lines = [f"target: {describe_target(run)}"]
    lines += [f"note: {note}" for note in run.notes]
    results = ledger.results()
    width = max((len(r.clause.id) for r in results), default=10)
    for result in results:
        first = result.detail.splitlines()[0] if result.detail else ""
        if len(first) > 110:
            first = first[:109] + "…"
        lines.append(f"{result.clause.id:<{width}}  {_LABEL[result.verdict]:<12}  {first}")
    counts = ledger.counts()
    partly = ledger.partly_verified()
    lines.append(
        ", ".join(f"{n} {v}" for v, n in counts.items()) + (f", {len(partly)} partly verified" if partly else "")
    )
    lines += [f"partly verified: {describe_partly_verified(result)}" for result in partly]
    lines += [f"cleanup problem: {p}" for p in problems]
    return [run.redactor.text(line) for line in lines]
