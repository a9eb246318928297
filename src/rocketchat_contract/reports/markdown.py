"""The Markdown report: a verdict table and the findings, sized for a pull request comment or a ticket.

What a server wrote (a detail quoting its answer, a note, why a run stopped, a version) appears only in code spans
(``code``) and fenced code blocks (``_fence``), whose content CommonMark shows as it is: never an image, a link,
an autolink (GFM's bare ``www.`` and ``https://`` included, which no backslash escape stops) or HTML.
"""

from __future__ import annotations

import re
from typing import Any

from rocketchat_contract.client.printable import printable
from rocketchat_contract.judge.verdicts import ORDER, verdict_of
from rocketchat_contract.reports.notes import shown_notes
from rocketchat_contract.reports.observations import resolved
from rocketchat_contract.reports.outcome import finding_rank, outcome

VERDICTS = tuple(v.value for v in ORDER)

TABLE_DETAIL = 220
"""How much of a detail's first line the table shows; the findings carry the rest."""
EXCHANGES_SHOWN = 12
"""How many of a finding's exchanges its collapsed evidence lists, a line each."""


def label(verdict: str) -> str:
    """Return the human label of a verdict, or the verdict itself when it is unknown."""
    known = verdict_of(verdict)
    return known.label if known else verdict


def icon(verdict: str) -> str:
    known = verdict_of(verdict)
    return known.icon if known else ""


def first_line(text: str, limit: int = 0) -> str:
    """Return the headline of a detail, cut to ``limit`` characters when a limit is given.

    That is its first line; a first line that ends in a colon announces a list, so the list's first item
    joins it. Nothing ends in dangling punctuation, cut or not."""
    lines = text.splitlines() if text else [""]
    line = lines[0].rstrip()
    if line.endswith(":") and len(lines) > 1:
        line = f"{line} {lines[1].strip().removeprefix('- ')}"
    if limit and len(line) > limit:
        return line[: limit - 1].rstrip(" :;,") + "…"
    return line.rstrip(" :;,")


def cell(text: str) -> str:
    """Make the suite's own prose (a clause's title, a drift entry's summary) safe inside a Markdown table cell: one
    line, pipes escaped, no raw HTML. Text a server may have written goes in ``code`` instead."""
    flat = " ".join(printable(text).split())
    return flat.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


_BACKTICKS = re.compile("`+")


def code(text: str, *, table: bool = False) -> str:
    """Return text as one inline code span, on one line, control characters escaped (``printable``): delimited by a
    backtick run longer than any inside it, so nothing in it ends the span; with ``table``, pipes escaped as GFM
    tables need (the table parser removes the backslash before the span is read). Empty text is no span."""
    shown = " ".join(printable(text).split())
    if not shown:
        return ""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(shown)), default=0) + 1)
    if table:
        shown = shown.replace("|", "\\|")
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def _fence(text: str) -> str:
    """A fenced code block of ``text`` (control characters escaped, line breaks kept), its fence longer than any
    backtick run inside."""
    shown = printable(text, lines=True)
    ticks = "```"
    while ticks in shown:
        ticks += "`"
    return f"{ticks}text\n{shown}\n{ticks}"


def _yes_no(flag: object) -> str:
    return "yes" if flag else "no"


def when(started_at: str) -> str:
    """A report's start time as a reader wants it: ``2025-06-02 09:14:05 UTC``."""
    return started_at.replace("T", " ").replace("+00:00", " UTC")


def registry_version(report: dict[str, Any]) -> str | None:
    """The registry a report was judged with, as a reader names it: suite version, short data hash, local drift
    files (None for a report older than ``registry``)."""
    named = report.get("registry")
    if not named:
        return None
    extra = len(named["extra_drift"])
    local = f" + {extra} local drift file{'s' if extra != 1 else ''}" if extra else ""
    return f"registry {named['suite_version']}+{named['data_sha256'][:12]}{local}"


def banner_facts(report: dict[str, Any]) -> list[str]:
    """What the banner says after the outcome: the target (with version and era), the release it was judged as
    when another, the date, whether it was re-judged offline (not a live run) and the registry."""
    version, judged, era = report.get("server_version"), report.get("judged_as"), report.get("era")
    facts = [report["target"]]
    if era and f"era {era}" not in report["target"]:
        facts.append(f"era {era}")
    if judged and judged != version:
        facts.append(f"judged as {judged}")
    facts.append(when(report["started_at"]))
    if report.get("rejudged"):
        facts.append(f"re-judged offline {when(report['rejudged']['at'])}, not a live run")
    registry = registry_version(report)
    return [*facts, registry] if registry else facts


def heading_lines(report: dict[str, Any]) -> list[str]:
    """The title with the outcome first (PASS, FAIL, PARTIAL or NOT TESTED, and why), then target, version, era,
    date and registry."""
    version = report.get("server_version") or "unknown"
    judged = report.get("judged_as")
    judged_note = f" (judged as {code(judged)})" if judged and judged != version else ""
    result = outcome(report)
    failing = f" ({', '.join(code(c) for c in result.clauses)})" if result.clauses else ""
    reason = code(result.reason) if report.get("aborted") else cell(result.reason)
    target, *facts = banner_facts(report)
    return [
        f"# {result.mark} {result.label}: `GET /api/v1/getImportProgress` compliance",
        "",
        f"**{result.label}**: {reason}{failing} · {' · '.join([code(target), *(cell(f) for f in facts)])}",
        "",
        f"- **Target:** {code(report['target'])}",
        f"- **Rocket.Chat:** {code(version)}{judged_note} · **Era:** {cell(report.get('era') or 'unknown')}",
        f"- **Date:** {cell(report['started_at'])} · **Strict docs:** {_yes_no(report['strict_docs'])}"
        f" · **Suite:** rocketchat-contract {cell(report['suite_version'])}",
    ]


def summary_line(summary: dict[str, int]) -> str:
    return " · ".join(f"{icon(v)} {label(v)}: {summary.get(v, 0)}" for v in VERDICTS)


def clause_table(clauses: list[dict[str, Any]], limit: int = TABLE_DETAIL) -> list[str]:
    """Clause, verdict and the first line of the detail (cut to ``limit``, as code: it may quote the server), one
    row per clause."""
    lines = ["| Clause | Verdict | Detail |", "|---|---|---|"]
    for clause in clauses:
        verdict = clause["verdict"]
        detail = code(first_line(clause["detail"], limit), table=True)
        lines.append(f"| {code(clause['id'], table=True)} | {icon(verdict)} {label(verdict)} | {detail} |")
    return lines


def _finding(clause: dict[str, Any]) -> list[str]:
    lines = [
        f"### {code(clause['id'])}: {label(clause['verdict'])}",
        "",
        f"{cell(clause['title'])} ({clause['source']})",
        "",
        f"> {cell(clause['statement'])}",
        "",
    ]
    drift = clause.get("drift")
    if drift:
        instead = drift["instead"]
        lines += [
            f"- **Drift entry:** {code(drift['id'])} for Rocket.Chat {code(drift['versions'])}",
            f"- **Sends instead:** {instead['status']} with a body matching {code(instead['schema'])}",
            f"- **Why:** {cell(drift['summary'])}",
            f"- **Source:** {cell(drift['source'])}",
        ]
        if drift.get("uncertain"):
            lines.append(f"- **Uncertain:** {cell(drift['uncertain'])}")
        if drift.get("origin"):
            lines.append(f"- **Local entry:** from {code(drift['origin'])} (--extra-drift), not the shipped registry")
        lines.append("")
    if clause["verdict"] != "known-drift" or not drift or "\n" in clause["detail"]:
        lines += _evidence(clause)
    return lines


def _evidence(clause: dict[str, Any]) -> list[str]:
    """The finding's detail and the exchanges it rests on (resolved), collapsed (``<details>``) so a pull request
    comment stays short; a line per exchange, the JSON report keeps them whole."""
    exchanges = clause["evidence"]
    count = f"{len(exchanges)} exchange{'s' if len(exchanges) != 1 else ''}"
    lines = [f"<details><summary>Evidence ({count})</summary>", "", _fence(clause["detail"]), ""]
    shown = [_exchange(exchange) for exchange in exchanges[:EXCHANGES_SHOWN]]
    if len(exchanges) > EXCHANGES_SHOWN:
        shown.append(f"- … and {len(exchanges) - EXCHANGES_SHOWN} more in the JSON report")
    return [*lines, *shown, *([""] if shown else []), "</details>", ""]


def _exchange(exchange: dict[str, Any]) -> str:
    request, response = exchange["request"], exchange["response"]
    answer = response["status"] if response else "no answer"
    return f"- {code(exchange['probe'])}: {cell(request['method'])} {code(request['path'])} → {answer}"


def render_markdown(report: dict[str, Any]) -> str:
    """Render a report document (see ``build_report``) as Markdown."""
    report = resolved(report)
    clauses: list[dict[str, Any]] = report["clauses"]
    lines = [*heading_lines(report), "", f"**Summary:** {summary_line(report['summary'])}", ""]
    lines += [*clause_table(clauses), ""]
    if notes := shown_notes(report):
        lines += ["## Notes", "", *(f"- {code(note)}" for note in notes), ""]
    lines += ["## Legend", "", *(f"- {v.icon} **{v.label}**: {v.legend}" for v in ORDER), ""]
    findings = sorted((c for c in clauses if c["verdict"] != "conforms"), key=lambda c: finding_rank(c["verdict"]))
    if findings:
        lines += ["## Findings", ""]
        for clause in findings:
            lines += _finding(clause)
    return "\n".join(lines).rstrip() + "\n"
