"""What the fleet prints: a line per target as it finishes, a progress line, and a final text matrix."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from typing import Any, TextIO

from rocketchat_contract.client.printable import printable
from rocketchat_contract.fleet.model import outcome, partly_verified, worst
from rocketchat_contract.fleet.plan import duration
from rocketchat_contract.fleet.runner import TargetRun
from rocketchat_contract.fleet.vocabulary import MARKS, NOT_JUDGED, OUTCOMES, VERDICTS, first_line, label

LIVE_MIN_TARGETS = 3
"""With more targets than this, a terminal gets a live progress line (a log gets a heartbeat instead)."""
HEARTBEAT = 30.0
REASON = 140
PARTLY = "*"
"""Marks a matrix cell whose verdict rests on only some of the clause's probes."""


def _counts(summary: dict[str, int]) -> str:
    counts = [f"{summary[v]} {label(v)}" for v in VERDICTS if summary.get(v)]
    if summary.get("partly-verified"):
        counts.append(f"{summary['partly-verified']} partly verified")
    return ", ".join(counts)


class Terminal:
    """Prints as the runs finish; the live line is redrawn in place on a terminal only."""

    def __init__(self, total: int, stream: TextIO | None = None, *, estimate: float | None = None) -> None:
        self.stream = stream or sys.stdout
        self.total = total
        self.estimate = estimate
        """The plan's wall-time estimate (seconds): the time left until the first target finishes."""
        self.done = 0
        self.width = 0
        self.started = time.monotonic()
        self.live = self.stream.isatty() and total > LIVE_MIN_TARGETS
        self.last_beat = self.started
        self._progress_shown = False

    def _write(self, line: str) -> None:
        """Write one line, control characters escaped (a reason or a version may be a server's)."""
        self._clear()
        self._emit(printable(line) + "\n")

    def _clear(self) -> None:
        if self._progress_shown:
            self._emit("\r\x1b[2K")
            self._progress_shown = False

    def _emit(self, text: str) -> None:
        """Write and flush; once the reader has gone (``fleet … | head``) write nothing more, so that the fleet
        still finishes its runs and writes its reports."""
        try:
            self.stream.write(text)
            self.stream.flush()
        except BrokenPipeError:
            self._reader_gone()

    def _reader_gone(self) -> None:
        sink = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - the terminal's stream from now on
        with contextlib.suppress(OSError, ValueError):
            os.dup2(sink.fileno(), self.stream.fileno())  # Python's flush at exit finds no closed pipe either
        self.stream, self.live = sink, False

    def names(self, names: list[str]) -> None:
        self.width = max((len(n) for n in names), default=0)

    def finished(self, run: TargetRun) -> None:
        self.done += 1
        result, reason = outcome(run)
        counter = f"[{self.done:>{len(str(self.total))}}/{self.total}]"
        text = _status(result, reason, run.report)
        self._write(f"{counter} {run.spec.name:<{self.width}}  {text}  ({run.duration:.1f} s)")

    def target(self, target: dict[str, Any]) -> None:
        """A target of a fleet report (one judged again): its outcome, version, era and counts, or why not."""
        self._write(f"{target['name']:<{self.width}}  {_status(target['outcome'], target['reason'], target['report'])}")

    def tick(self, running: list[TargetRun]) -> None:
        now = time.monotonic()
        if not running:
            return
        names = ", ".join(r.spec.name for r in running)
        line = f"{self.progress(now)}; running {len(running)}: {names}"
        if self.live:
            self._clear()
            width = max(20, shutil.get_terminal_size().columns - 1)  # a wrapped line could not be redrawn in place
            self._emit(printable(line)[:width])
            self._progress_shown = True
        elif self.total > LIVE_MIN_TARGETS and now - self.last_beat >= HEARTBEAT:
            self.last_beat = now
            self._write(f"... {line}")

    def progress(self, now: float) -> str:
        """Done of total, the rate so far (targets per minute) and the time left at that rate; before the first
        target finishes, the plan's estimate stands in for the rate."""
        elapsed = now - self.started
        head = f"{self.done}/{self.total} done in {duration(elapsed)}"
        if self.done and elapsed > 0:
            rate = self.done / elapsed
            left = (self.total - self.done) / rate
            return f"{head}, {rate * 60:.1f} targets/min, about {duration(left)} left"
        if self.estimate is not None:
            return f"{head}, about {duration(max(self.estimate - elapsed, 0.0))} left (planned)"
        return head

    def message(self, line: str) -> None:
        self._write(line)

    def matrix(self, document: dict[str, Any]) -> None:
        """The final summary: one row per target, one column per clause, then the outcome counts."""
        columns = document["clauses"]
        targets = document["targets"]
        width = max([len(t["name"]) for t in targets] + [6])
        self._write("")
        legend = ", ".join(f"{MARKS[v]} {label(v)}" for v in VERDICTS)
        self._write(f"fleet matrix ({legend}, {NOT_JUDGED} not judged, {PARTLY} partly verified)")
        header = " ".join(f"{i % 100:>2}" for i in range(1, len(columns) + 1))
        self._write(f"{'target':<{width}}  {'version':<9} {header}  result")
        partly = {target["name"]: partly_verified(target) for target in targets}
        for target in targets:
            mine = partly[target["name"]]
            if target["verdicts"]:
                cells = " ".join(_cell(target["verdicts"].get(c["id"]), c["id"] in mine) for c in columns)
            else:
                cells = f"{'':>{max(len(header), 1)}}"
            headline = worst(target)
            notes = [] if headline == target["outcome"] else [label(headline)]
            notes += [f"{len(mine)} partly verified"] if mine else []
            shown = f"{target['outcome']} ({', '.join(notes)})" if notes else target["outcome"]
            version = target["server_version"] or "?"
            self._write(f"{target['name']:<{width}}  {version:<9} {cells}  {shown}")
        for index, column in enumerate(columns, 1):
            self._write(f"  {index:>2} {column['id']}")
        for name, clauses in partly.items():
            for clause, probes in clauses.items():
                self._write(f"partly verified: {name}: {clause}; not verified: {', '.join(probes)}")
        summary = document["summary"]
        counts = ", ".join(f"{summary[o]} {o}" for o in OUTCOMES if summary[o])
        plural = "s" if summary["targets"] != 1 else ""
        self._write(f"{summary['targets']} target{plural}: {counts} → exit status {document['exit_status']}")


def _status(result: str, reason: str | None, report: dict[str, Any] | None) -> str:
    """A target's outcome, then its version, era and verdict counts when it was tested, else why not."""
    if report and result in ("pass", "fail"):
        where = f"{report.get('server_version') or '?'} ({report.get('era') or '?'})"
        text = f"{result.upper():<11} {where:<14} {_counts(report['summary'])}"
        return f"{text}; {reason}" if reason else text
    return f"{result.upper():<11} {first_line(reason or '', REASON)}"


def _cell(verdict: str | None, partly: bool) -> str:
    mark = MARKS.get(verdict or "", NOT_JUDGED)
    return f"{mark}{PARTLY}" if partly else f"{mark:>2}"
