"""Compare two JSON compliance reports (e.g. before and after a Rocket.Chat upgrade) clause by clause.

A clause is listed when its verdict or drift entry changed, or when the shape of the server's answers to
its probes changed: another status, Content-Type, set of fields, type of a field, or error text. Values that
move while an import runs (the counts, the step, the operation's key and name) are not a change of shape;
``--all`` lists clauses whose answers differ only in those too. Volatile parts of an answer (timings,
rate-limit headers, dates, the seconds a rate-limit message asks to wait) and the requests themselves
(random tokens) are never compared. The generated requests are drawn anew by each run (another seed or
version draws others), so a generated clause's answers are compared as the set of distinct answers that came
back, whichever request drew them. A report that kept no exchange for a clause (written before the suite
kept a conforming clause's requests) leaves its answers uncompared rather than "no longer observed".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from rocketchat_contract.client.fuzz.config import HOSTILE, SCHEMATHESIS
from rocketchat_contract.judge.verdicts import verdict_of
from rocketchat_contract.reports.markdown import cell, code, first_line, icon, label, summary_line
from rocketchat_contract.reports.observations import resolved

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_WAIT = re.compile(r"\b\d+ (seconds?|ms|milliseconds?)\b")
_DATE_KEYS = frozenset({"ts", "_updatedAt", "updatedAt", "createdAt", "startedAt", "date", "$date"})
_PROGRESS_KEYS = frozenset({"key", "name", "step"})
"""Fields of the progress body whose values move with the import; only their type is shape."""
_NO_RESPONSE = "no response"
GENERATED = (SCHEMATHESIS, HOSTILE)
"""The clauses judged on generated requests, whose answers are compared as a set."""


@dataclass(frozen=True)
class ClauseChange:
    """One listed clause: its verdicts (None where the report lacks it) and what changed, in words."""

    clause: str
    old: str | None
    new: str | None
    changes: tuple[str, ...]
    values_only: bool = False
    """Same verdict and same shape of answers: only values moved (listed with ``--all``)."""

    @property
    def regressed(self) -> bool:
        """True when the verdict got worse or the clause is gone from the new report."""
        if self.old is not None and self.new is None:
            return True
        old, new = verdict_of(self.old or ""), verdict_of(self.new or "")
        return old is not None and new is not None and new.rank > old.rank


@dataclass
class ReportDiff:
    """Two reports and the listed clauses, regressions first."""

    old: dict[str, Any]
    new: dict[str, Any]
    found: list[ClauseChange] = field(default_factory=list)
    """Every clause that changed, values-only changes included."""
    values: bool = False
    """Whether values-only changes are listed (``--all``)."""

    @property
    def changes(self) -> list[ClauseChange]:
        """The listed clauses."""
        return [c for c in self.found if self.values or not c.values_only]

    @property
    def hidden(self) -> int:
        """Clauses left out because only values changed."""
        return len(self.found) - len(self.changes)

    @property
    def regressions(self) -> list[ClauseChange]:
        return [c for c in self.changes if c.regressed]


def _stable(value: Any, key: str | None = None) -> Any:
    """Return a JSON value with its volatile parts (dates, waits) replaced by placeholders."""
    if key in _DATE_KEYS and value is not None:
        return "<date>"
    if isinstance(value, dict):
        return {k: _stable(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    if isinstance(value, str):
        return _WAIT.sub("<n> \\1", _ISO_DATE.sub("<date>", value))
    return value


def _shape(value: Any, key: str | None = None) -> Any:
    """Return what of a JSON body is its shape: fields and types, error texts; not counts or progress values."""
    if isinstance(value, dict):
        return {k: _shape(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "<number>"
    if isinstance(value, str) and key in _PROGRESS_KEYS:
        return "<string>"
    return value


@dataclass(frozen=True)
class _Answer:
    """What a diff compares of one response: status, media type and the body without volatile parts."""

    status: int | str
    content_type: str
    body: Any

    @property
    def shape(self) -> tuple[int | str, str, Any]:
        return self.status, self.content_type, _shape(self.body)


def _answer(exchange: dict[str, Any]) -> _Answer:
    response = exchange.get("response")
    if response is None:
        return _Answer(_NO_RESPONSE, "", None)
    headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
    media = "".join(headers.get("content-type", "").lower().split())
    return _Answer(response["status"], media, _stable(response.get("body")))


def _answers(clause: dict[str, Any]) -> dict[str, _Answer]:
    """Key each evidence answer by its probe (with a counter when a probe occurs twice); a generated clause's
    by the answer's shape, one per distinct shape."""
    answers: dict[str, _Answer] = {}
    if clause["id"] in GENERATED:
        for exchange in clause["evidence"]:
            answer = _answer(exchange)
            status, media, body = answer.shape
            answers.setdefault(f"answer {status} {media or 'without Content-Type'} {_short(body)}", answer)
        return answers
    for exchange in clause["evidence"]:
        probe = exchange["probe"]
        key, n = probe, 1
        while key in answers:
            n += 1
            key = f"{probe}#{n}"
        answers[key] = _answer(exchange)
    return answers


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _body_changes(old: Any, new: Any, path: str = "") -> list[str]:
    """Name the JSON paths whose values differ between two bodies."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in [*old, *(k for k in new if k not in old)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in new:
                found.append(f"-{where}")
            elif key not in old:
                found.append(f"+{where} {_short(new[key])}")
            else:
                found += _body_changes(old[key], new[key], where)
        return found
    if old == new:
        return []
    return [f"{path or 'body'} {_short(old)} → {_short(new)}"]


def _status(answer: _Answer | None) -> str:
    return "absent" if answer is None else str(answer.status)


def _answer_change(old: _Answer | None, new: _Answer | None) -> str | None:
    if old == new:
        return None
    if old is None or new is None:
        seen = "newly observed" if old is None else "no longer observed"
        return f"{seen} ({_status(old)} → {_status(new)})"
    parts = []
    if old.status != new.status:
        parts.append(f"{old.status} → {new.status}")
    if old.content_type != new.content_type:
        parts.append(f"Content-Type {old.content_type or 'none'} → {new.content_type or 'none'}")
    if old.body != new.body:
        changed = _body_changes(old.body, new.body)
        shown = "; ".join(changed[:4]) + (f"; {len(changed) - 4} more" if len(changed) > 4 else "")
        parts.append(f"body: {shown}" if changed else "body changed")
    return ", ".join(parts)


def _compared(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, _Answer], dict[str, _Answer]]:
    """The answers of one clause in both reports, or none when either report kept no exchange for it."""
    if not old["evidence"] or not new["evidence"]:
        return {}, {}
    return _answers(old), _answers(new)


def behaviour_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Describe how the answers behind one clause differ, probes with the same change grouped."""
    before, after = _compared(old, new)
    grouped: dict[str, list[str]] = {}
    for probe in [*before, *(p for p in after if p not in before)]:
        change = _answer_change(before.get(probe), after.get(probe))
        if change:
            grouped.setdefault(change, []).append(probe)
    lines = [f"{', '.join(probes)}: {change}" for change, probes in grouped.items()]
    old_drift, new_drift = (old.get("drift") or {}).get("id"), (new.get("drift") or {}).get("id")
    if old_drift != new_drift:
        lines.append(f"drift entry {old_drift or 'none'} → {new_drift or 'none'}")
    return lines


def shape_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether the answers behind one clause changed shape (or drift entry), not just values."""
    before, after = _compared(old, new)
    if before.keys() != after.keys():
        return True
    if (old.get("drift") or {}).get("id") != (new.get("drift") or {}).get("id"):
        return True
    return any(before[probe].shape != after[probe].shape for probe in before)


def diff_reports(old: dict[str, Any], new: dict[str, Any], *, values: bool = False) -> ReportDiff:
    """List the clauses whose verdict or the shape of whose answers differs, regressions first.

    With ``values``, also the clauses whose answers differ only in values (counts, progress). Each clause's
    evidence is compared as the exchanges it names (``reports.observations``).
    """
    old, new = resolved(old), resolved(new)
    before = {c["id"]: c for c in old["clauses"]}
    after = {c["id"]: c for c in new["clauses"]}
    changes = []
    for clause_id in [*after, *(c for c in before if c not in after)]:
        was, now = before.get(clause_id), after.get(clause_id)
        if was is None:
            assert now is not None
            changes.append(ClauseChange(clause_id, None, now["verdict"], ("new clause in this report",)))
            continue
        if now is None:
            changes.append(ClauseChange(clause_id, was["verdict"], None, ("not judged in the new report",)))
            continue
        lines = behaviour_changes(was, now)
        verdict_changed = was["verdict"] != now["verdict"]
        if verdict_changed:
            lines.append(f"now: {first_line(now['detail'], 160)}")
        values_only = not verdict_changed and not shape_changed(was, now)
        if lines:
            changes.append(ClauseChange(clause_id, was["verdict"], now["verdict"], tuple(lines), values_only))
    changes.sort(key=lambda c: not c.regressed)
    return ReportDiff(old, new, changes, values)


def _version(report: dict[str, Any]) -> str:
    version = report.get("server_version") or "unknown version"
    judged = report.get("judged_as")
    extra = f", judged as {judged}" if judged and judged != version else ""
    return f"{version} (era {report.get('era') or 'unknown'}{extra})"


def _verdict(verdict: str | None) -> str:
    return "absent" if verdict is None else f"{icon(verdict)} {label(verdict)}"


def render_diff(diff: ReportDiff) -> str:
    """Render a diff as Markdown for a pull request comment; what the servers sent (answers, details, versions)
    stands in code spans, where it cannot become markup."""
    old, new = diff.old, diff.new
    lines = [
        f"## Contract diff: Rocket.Chat {code(old.get('server_version') or '?')} → "
        f"{code(new.get('server_version') or '?')}",
        "",
        "| | Old | New |",
        "|---|---|---|",
        f"| Rocket.Chat | {code(_version(old), table=True)} | {code(_version(new), table=True)} |",
        f"| Target | {code(old['target'], table=True)} | {code(new['target'], table=True)} |",
        f"| Run started | {cell(old['started_at'])} | {cell(new['started_at'])} |",
        f"| Verdicts | {summary_line(old['summary'])} | {summary_line(new['summary'])} |",
        "",
    ]
    hidden = diff.hidden
    if not diff.changes:
        lines.append(
            f"**No change:** all {len(new['clauses'])} clauses have the same verdicts and answers of the same shape."
        )
        if hidden:
            lines.append(f"{_values_only(hidden, more=False)}; `--all` lists {'it' if hidden == 1 else 'them'}.")
        return "\n".join(lines) + "\n"
    regressions = diff.regressions
    if regressions:
        names = ", ".join(code(c.clause) for c in regressions)
        lines.append(
            f"**{len(regressions)} regression{'s' if len(regressions) != 1 else ''}** "
            f"(a verdict got worse or a clause is gone): {names}"
        )
    else:
        lines.append("**No regression:** no verdict got worse and no clause is gone.")
    lines += ["", "| Clause | Old verdict | New verdict | What changed |", "|---|---|---|---|"]
    for change in diff.changes:
        what = "<br>".join(code(line, table=True) for line in change.changes)  # answers and details: the server's
        flag = " **regressed**" if change.regressed else " (values only)" if change.values_only else ""
        verdicts = f"{_verdict(change.old)} | {_verdict(change.new)}"
        lines.append(f"| {code(change.clause, table=True)}{flag} | {verdicts} | {what} |")
    lines += ["", f"{len(diff.changes)} of {len(set(_ids(old)) | set(_ids(new)))} clauses changed."]
    if hidden:
        lines.append(f"{_values_only(hidden, more=True)} (`--all` lists {'it' if hidden == 1 else 'them'}).")
    return "\n".join(lines) + "\n"


def _values_only(count: int, *, more: bool) -> str:
    clauses = "clause's answers differ" if count == 1 else "clauses' answers differ"
    return f"{count}{' more' if more else ''} {clauses} only in values that move during an import (counts, step)"


def _ids(report: dict[str, Any]) -> list[str]:
    return [c["id"] for c in report["clauses"]]
