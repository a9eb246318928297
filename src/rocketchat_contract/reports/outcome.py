"""The overall outcome of a report, stated first in the Markdown and HTML reports and kept in the JSON one: pass,
fail, partial or not tested."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rocketchat_contract.judge.verdicts import Verdict
from rocketchat_contract.results.selection import not_judged

FINDING_ORDER = (Verdict.VIOLATION, Verdict.KNOWN_DRIFT, Verdict.NOT_VERIFIED)
"""The order findings are listed in: what fails a run first, then what explains a difference, then what is missing."""


@dataclass(frozen=True)
class Outcome:
    """What a report comes to, as its banner says it."""

    key: str
    """pass, fail, partial or not-tested (the CSS class of the HTML banner, the JSON report's ``outcome.result``)."""
    label: str
    mark: str
    reason: str
    clauses: tuple[str, ...] = ()
    """The clauses that make a run fail."""
    not_judged: tuple[str, ...] = ()
    """What of the catalogue the run was not asked to judge (``results.selection.not_judged``)."""

    def as_json(self) -> dict[str, Any]:
        """The JSON report's ``outcome`` field."""
        return {"result": self.key, "failing": list(self.clauses), "not_judged": list(self.not_judged)}


def _ids(report: dict[str, Any], verdict: Verdict) -> tuple[str, ...]:
    return tuple(c["id"] for c in report["clauses"] if c["verdict"] == verdict.value)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if what != "violation" or n == 1 else f"{n} violations"


def _missing(missing: tuple[str, ...]) -> str:
    return f"not judged (the run was not asked to): {', '.join(missing)}"


def outcome(report: dict[str, Any]) -> Outcome:
    """The run's outcome as pytest's exit status has it: a violation (or, with --strict-docs, known drift) fails.

    Known drift and unverified clauses alone do not fail a run; the reason says how many there are. A run asked to
    judge less than the whole catalogue (``-k``, deselection, node ids) never passes: it is PARTIAL, and names what
    it did not judge. A report older than the ``selection`` field is taken as the whole catalogue."""
    if report.get("aborted"):
        return Outcome("not-tested", "NOT TESTED", "⛔", f"nothing was judged: {report['aborted']}")
    missing = tuple(not_judged(report["selection"])) if "selection" in report else ()
    violations, drift = _ids(report, Verdict.VIOLATION), _ids(report, Verdict.KNOWN_DRIFT)
    unverified = _ids(report, Verdict.NOT_VERIFIED)
    rest = [
        _count(len(ids), verdict.label)
        for ids, verdict in ((drift, Verdict.KNOWN_DRIFT), (unverified, Verdict.NOT_VERIFIED))
        if ids
    ]
    partly = f"; {_missing(missing)}" if missing else ""
    if violations:
        return Outcome("fail", "FAIL", "❌", _count(len(violations), "violation") + partly, violations, missing)
    if drift and report["strict_docs"]:
        why = f"{len(drift)} known drift, which --strict-docs counts as failure{partly}"
        return Outcome("fail", "FAIL", "❌", why, drift, missing)
    judged = "no violation" + (f" ({', '.join(rest)})" if rest else "")
    if missing:
        return Outcome("partial", "PARTIAL", "◐", f"{judged} in what was judged; {_missing(missing)}", (), missing)
    return Outcome("pass", "PASS", "✅", judged)


def finding_rank(verdict: str) -> int:
    """Where a clause with ``verdict`` is listed among the findings (unknown verdicts last)."""
    order = [v.value for v in FINDING_ORDER]
    return order.index(verdict) if verdict in order else len(order)
