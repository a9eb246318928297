"""Write a fleet report document as JSON, Markdown or HTML, chosen by the file's extension (the formats of
``reports.render``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rocketchat_contract.fleet.html import render_fleet_html
from rocketchat_contract.fleet.markdown import render_fleet_markdown
from rocketchat_contract.reports.render import Renderers, render_as, write_as

FLEET_REPORT = Renderers(markdown=render_fleet_markdown, html=render_fleet_html)


def render_fleet(document: dict[str, Any], suffix: str) -> str:
    """A fleet report in the format ``suffix`` names."""
    return render_as(document, suffix, FLEET_REPORT)


def write_fleet_reports(paths: list[Path], document: dict[str, Any]) -> None:
    write_as(paths, document, FLEET_REPORT)
