"""The HTML reports, single-server and fleet alike: Jinja2 pages, autoescaped, self-contained (inline CSS,
nothing fetched) so a customer can open them anywhere.

One environment loads every page by its path in the package (``reports/templates/report.html.j2``,
``fleet/templates/fleet.html.j2``). Both pages include ``reports/templates/report.css`` and import the macros of
``reports/templates/parts.html.j2`` (a verdict's badge, a clause's evidence), so they look and escape alike.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from rocketchat_contract.client.printable import printable
from rocketchat_contract.judge.verdicts import verdict_of
from rocketchat_contract.reports.markdown import VERDICTS, banner_facts, first_line, label, when
from rocketchat_contract.reports.notes import shown_notes
from rocketchat_contract.reports.observations import resolved
from rocketchat_contract.reports.outcome import outcome

TABLE_DETAIL = 260
"""How much of a detail's first line a table cell shows; the evidence carries the rest."""


def _escape(value: object) -> Markup:
    """Every value a page prints, escaped as ``html.escape`` does (quotes too) and with its control characters
    written as escapes (``printable``, line breaks kept for ``<pre>``); markup the templates built passes."""
    if isinstance(value, Markup):
        return value
    return Markup(escape(printable(str(value), lines=True), quote=True))


def _pretty(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)


def _clause_anchor(clause_id: str) -> str:
    return "clause-" + "".join(c if c.isalnum() or c in "-._" else "_" for c in clause_id)


def _mark(verdict: str) -> str:
    known = verdict_of(verdict)
    return known.mark if known else "?"


def _legend(verdict: str) -> str:
    known = verdict_of(verdict)
    return known.legend if known else ""


def _verdict_class(verdict: str) -> str:
    return f"v-{verdict}" if verdict in VERDICTS else "v-not-verified"


@cache
def environment() -> Environment:
    """The one Jinja2 environment of the HTML reports, with the filters their templates share."""
    env = Environment(
        loader=PackageLoader("rocketchat_contract", "."),
        autoescape=True,
        finalize=_escape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        clause_anchor=_clause_anchor,
        first_line=first_line,
        label=label,
        legend=_legend,
        mark=_mark,
        pretty=_pretty,
        verdict_class=_verdict_class,
        when=when,
    )
    env.globals.update(verdicts=VERDICTS, TABLE_DETAIL=TABLE_DETAIL, banner_facts=banner_facts)
    return env


def render_html(report: dict[str, Any]) -> str:
    """Render a report document (see ``build_report``) as one standalone HTML page."""
    page = environment().get_template("reports/templates/report.html.j2")
    return page.render(report=resolved(report), notes=shown_notes(report), result=outcome(report)) + "\n"
