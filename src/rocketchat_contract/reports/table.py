"""The verdict table: printed at the end of every run (as wide as the terminal pytest writes to) and by
``rocketchat-contract rejudge``."""

from __future__ import annotations

import os
import shutil
import textwrap

from rocketchat_contract.client.printable import printable
from rocketchat_contract.judge.verdicts import Verdict
from rocketchat_contract.reports.markdown import first_line
from rocketchat_contract.results.ledger import ClauseResult, Ledger
from rocketchat_contract.results.record import RunRecord
from rocketchat_contract.results.selection import not_judged

MIN_DETAIL = 40
"""The narrowest the detail column gets, however narrow the terminal."""


def terminal_width() -> int | None:
    """The width pytest's terminal writer uses: the terminal's or $COLUMNS, else 80 (also for a bogus one).

    None on a CI server ($CI or $BUILD_NUMBER set), where pytest does not cut its summary lines either."""
    if any(name in os.environ for name in ("CI", "BUILD_NUMBER")):
        return None
    width = shutil.get_terminal_size(fallback=(80, 24)).columns
    return width if width >= 40 else 80


def summary_lines(run: RunRecord, ledger: Ledger, width: int | None = None) -> list[str]:
    """The table: target, notes, one row per clause, the counts, cleanup problems (all redacted already).

    A row shows the first line of its clause's detail, cut to ``width`` (by default the terminal's, see
    ``terminal_width``; uncut on a CI server). A
    clause that was not verified shows its whole detail, wrapped, as it says what would verify it; once:
    a clause not verified for the same reason as one above says ``as`` that one. A run that could not
    test its target prints only its cleanup problems: the exit message says the rest. Every line is ``printable``
    (a re-judged report's notes come from a file)."""
    return [printable(line) for line in _lines(run, ledger, width)]


def _lines(run: RunRecord, ledger: Ledger, width: int | None) -> list[str]:
    if run.error:
        return [f"cleanup problem: {p}" for p in run.cleanup_problems]
    columns = width or terminal_width()
    lines = [f"target: {run.target}"]
    lines += [f"note: {note}" for note in run.notes]
    results = ledger.results()
    id_width = max((len(r.clause.id) for r in results), default=10)
    shown: dict[str, str] = {}
    for result in results:
        prefix = f"{result.clause.id:<{id_width}}  {result.verdict.shout:<12}  "
        if result.verdict is Verdict.NOT_VERIFIED and result.detail in shown:
            lines.append(f"{prefix}as {shown[result.detail]}")
            continue
        if result.verdict is Verdict.NOT_VERIFIED:
            shown.setdefault(result.detail, result.clause.id)
        room = max(columns - len(prefix), MIN_DETAIL) if columns else 0
        lines += _row(prefix, result, room)
    counts = ledger.counts()
    partly = ledger.partly_verified()
    lines.append(
        ", ".join(f"{n} {v}" for v, n in counts.items()) + (f", {len(partly)} partly verified" if partly else "")
    )
    lines += [f"partly verified: {result.partly_verified()}" for result in partly]
    if missing := not_judged(run.selection):
        lines.append(f"PARTIAL: the run was not asked to judge the whole catalogue; not judged: {', '.join(missing)}")
    lines += [f"cleanup problem: {p}" for p in run.cleanup_problems]
    return lines


def _row(prefix: str, result: ClauseResult, room: int) -> list[str]:
    """A clause's row: the headline of its detail; all of it, wrapped to ``room``, for a clause not verified."""
    if result.verdict is not Verdict.NOT_VERIFIED:
        return [(prefix + first_line(result.detail, room)).rstrip()]
    parts = result.detail.splitlines() or [""]
    if room:
        wrap = textwrap.TextWrapper(room, break_long_words=False, break_on_hyphens=False)
        parts = [part for line in parts for part in wrap.wrap(line)] or [""]
    indent = " " * len(prefix)
    return [(prefix + parts[0]).rstrip(), *(indent + part for part in parts[1:])]
