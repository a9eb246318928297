"""The Markdown fleet report: the matrix (targets x clauses) and, per target, what did not conform.

As in the single-server report, what a server may have written (versions, reasons, notes, details) stands in code
spans (``code``), where it cannot become markup."""

from __future__ import annotations

from typing import Any

from rocketchat_contract.fleet.model import worst
from rocketchat_contract.fleet.vocabulary import (
    ICONS,
    LEGEND,
    NOT_JUDGED,
    OUTCOME_ICONS,
    OUTCOME_LABELS,
    OUTCOME_MEANING,
    VERDICTS,
    cell,
    code,
    label,
)
from rocketchat_contract.judge.verdicts import Verdict
from rocketchat_contract.reports.markdown import clause_table
from rocketchat_contract.reports.markdown import summary_line as verdict_counts
from rocketchat_contract.reports.notes import shown_notes

DETAIL = 200


def _outcome(target: dict[str, Any]) -> str:
    return f"{OUTCOME_ICONS[target['outcome']]} {OUTCOME_LABELS[target['outcome']]}"


def summary_line(document: dict[str, Any]) -> str:
    summary = document["summary"]
    parts = [f"{OUTCOME_ICONS[o]} {OUTCOME_LABELS[o]}: {summary[o]}" for o in OUTCOME_LABELS]
    return f"{summary['targets']} targets · " + " · ".join(parts) + f" → exit status {document['exit_status']}"


def _matrix(document: dict[str, Any]) -> list[str]:
    columns = document["clauses"]
    numbers = " | ".join(f"C{index}" for index in range(1, len(columns) + 1))
    lines = [
        f"| Target | Rocket.Chat | Era | Outcome | {numbers} |",
        "|---|---|---|---|" + "---|" * len(columns),
    ]
    for target in document["targets"]:
        cells = " | ".join(ICONS.get(target["verdicts"].get(c["id"], ""), NOT_JUDGED) for c in columns)
        lines.append(
            f"| [{cell(target['name'])}](#{_anchor(target['name'])}) | "
            f"{code(target['server_version'] or '?', table=True)} | {cell(target['era'] or '?')} | "
            f"{_outcome(target)} | {cells} |"
        )
    lines += ["", "Columns: " + " · ".join(f"C{i} {code(c['id'])}" for i, c in enumerate(columns, 1))]
    return lines


def _anchor(name: str) -> str:
    return "target-" + name.lower().replace(".", "")


def _status(target: dict[str, Any]) -> str:
    return "none" if target["exit_status"] is None else str(target["exit_status"])


def _target(target: dict[str, Any]) -> list[str]:
    report = target["report"] or {}
    lines = [
        f'<a id="{_anchor(target["name"])}"></a>',
        f"### {cell(target['name'])}: {_outcome(target)}",
        "",
        f"- **URL:** {code(target['base_url'])}",
        f"- **Rocket.Chat:** {code(target['server_version'] or 'unknown')}"
        f" · **Era:** {cell(target['era'] or 'unknown')} · **pytest exit status:** {_status(target)}",
    ]
    if target["reason"]:
        lines.append(f"- **Why:** {code(target['reason'])}")
    if target["settings"]:
        shown = ", ".join(f"{k}={v}" for k, v in target["settings"].items())
        lines.append(f"- **Settings:** {cell(shown)}")
    if target["verdicts"]:
        lines.append(f"- **Verdicts:** {verdict_counts(target['summary'])}")
    lines += [f"- **Note:** {code(note)}" for note in shown_notes(report)]
    findings = [c for c in report.get("clauses", []) if c["verdict"] != "conforms"]
    if findings:
        worst_first = sorted(findings, key=lambda c: Verdict(c["verdict"]).severity, reverse=True)
        lines += ["", *clause_table(worst_first, DETAIL)]
    return [*lines, ""]


def render_fleet_markdown(document: dict[str, Any]) -> str:
    """Render a fleet report document as Markdown (for a CI summary page, a ticket or a pull request)."""
    sources = ", ".join(document["sources"]) or "none"
    lines = [
        "# Fleet compliance report: `GET /api/v1/getImportProgress`",
        "",
        f"- **Targets:** {summary_line(document)}",
        f"- **Run:** {cell(document['started_at'])} → {cell(document['finished_at'])} · **From:** {cell(sources)}"
        f" · **Suite:** rocketchat-contract {cell(document['suite_version'])}",
        "",
        "## Matrix",
        "",
        *_matrix(document),
        "",
        "## Legend",
        "",
        *(f"- {ICONS[v]} **{label(v)}**: {LEGEND[v]}" for v in VERDICTS),
        f"- `{NOT_JUDGED}` **not judged**: not on this target (it could not be tested, or its run lacks the clause).",
        *(f"- {OUTCOME_ICONS[o]} **{OUTCOME_LABELS[o]}**: {OUTCOME_MEANING[o]}" for o in OUTCOME_LABELS),
        "",
        "## Targets",
        "",
    ]
    ordered = sorted(document["targets"], key=lambda t: (t["outcome"] == "pass", worst(t) == "conforms"))
    for target in ordered:
        lines += _target(target)
    return "\n".join(lines).rstrip() + "\n"
