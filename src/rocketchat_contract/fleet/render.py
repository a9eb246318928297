"""Write a fleet report document as JSON, Markdown or HTML, chosen by the file's extension."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rocketchat_contract.reports.render import render_as, write_as


def render_fleet(document: dict[str, Any], suffix: str) -> str:
    from rocketchat_contract.fleet.html import render_fleet_html
    from rocketchat_contract.fleet.markdown import render_fleet_markdown

    return render_as(document, suffix, render_fleet_markdown, render_fleet_html)


def write_fleet_reports(paths: list[Path], document: dict[str, Any]) -> None:
    write_as(paths, document, render_fleet)
