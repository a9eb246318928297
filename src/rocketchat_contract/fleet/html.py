"""The HTML fleet report: a sortable matrix of targets x clauses and each target's evidence, in one file.

Rendered by the single-server report's environment (``reports.html``): same stylesheet, same escaping, the same
evidence macros; a small inline script sorts the matrix and opens the evidence a cell links to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rocketchat_contract.fleet.model import HEADLINE_RANK, worst
from rocketchat_contract.fleet.vocabulary import (
    NOT_JUDGED,
    OUTCOME_LABELS,
    OUTCOME_MEANING,
    headline_label,
    version_key,
)
from rocketchat_contract.reports.html import environment
from rocketchat_contract.reports.notes import shown_notes
from rocketchat_contract.reports.observations import resolved

_WORDS = {"not_judged": NOT_JUDGED, "outcomes": OUTCOME_LABELS, "outcome_meaning": OUTCOME_MEANING}
"""The fleet's own words the page uses, beside the verdicts' words every report shares."""


def _anchor(target: str, clause: str | None = None) -> str:
    return f"t-{target}" + (f"--{clause}" if clause else "")


def _target_view(target: dict[str, Any], columns: list[dict[str, str]]) -> dict[str, Any]:
    """What the matrix and a target's facts show: light, made for every target up front."""
    headline = worst(target)
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
    }


def _details(target: dict[str, Any]) -> dict[str, Any]:
    """A target's clauses with their evidence resolved, and its notes: made when the page reaches the target and
    dropped after it (a fleet of a thousand would otherwise hold every exchange of every target several times)."""
    report = resolved(target["report"] or {})
    return {
        "clauses": [{"clause": c, "anchor": _anchor(target["name"], c["id"])} for c in report.get("clauses", [])],
        "notes": shown_notes(report),
    }


def render_fleet_html(document: dict[str, Any]) -> Iterator[str]:
    """Render a fleet report document as one standalone HTML page, in pieces as Jinja2 generates them."""
    columns = document["clauses"]
    targets = [_target_view(t, columns) for t in document["targets"]]
    page = environment().get_template("fleet/templates/fleet.html.j2", globals=_WORDS)
    return page.generate(document=document, targets=targets, columns=columns, details=_details)
