"""The HTML fleet report: a sortable matrix of targets x clauses and each target's evidence, in one file.

Self-contained like the single-server report (same colours, inline CSS, nothing fetched); a small inline
script sorts the matrix and opens the evidence a cell links to.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from rocketchat_contract.fleet.model import HEADLINE_RANK, worst
from rocketchat_contract.fleet.vocabulary import (
    LEGEND,
    MARKS,
    NOT_JUDGED,
    OUTCOME_LABELS,
    OUTCOME_MEANING,
    REPORT_CSS,
    VERDICTS,
    first_line,
    headline_label,
    label,
    version_key,
)
from rocketchat_contract.reports.html import clause_evidence

DETAIL = 260


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("rocketchat_contract.fleet", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(first_line=first_line, label=label, mark=lambda v: MARKS.get(v, "?"))
    return env


def _anchor(target: str, clause: str | None = None) -> str:
    return f"t-{target}" + (f"--{clause}" if clause else "")


def _target_view(target: dict[str, Any], columns: list[dict[str, str]]) -> dict[str, Any]:
    headline = worst(target)
    report = target["report"] or {}
    return {
        **target,
        "anchor": _anchor(target["name"]),
        "headline": headline,
        "headline_label": headline_label(headline),
        "rank": HEADLINE_RANK[headline],
        "version_key": version_key(target["server_version"]),
        "cells": [
            {"clause": cid, "verdict": target["verdicts"].get(cid), "href": "#" + _anchor(target["name"], cid)}
            for cid in (c["id"] for c in columns)
        ],
        "clauses": [Markup(clause_evidence(c, _anchor(target["name"], c["id"]))) for c in report.get("clauses", [])],
        "notes": report.get("notes", []),
    }


def render_fleet_html(document: dict[str, Any]) -> str:
    """Render a fleet report document as one standalone HTML page."""
    columns = document["clauses"]
    targets = [_target_view(t, columns) for t in document["targets"]]
    return _environment().get_template("fleet.html.j2").render(
        document=document,
        targets=targets,
        columns=columns,
        verdicts=VERDICTS,
        legend=LEGEND,
        not_judged=NOT_JUDGED,
        outcomes=OUTCOME_LABELS,
        outcome_meaning=OUTCOME_MEANING,
        report_css=REPORT_CSS,
        detail=DETAIL,
    )
