"""Write a fleet report document as JSON, Markdown or HTML, chosen by the file's extension."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FORMATS = (".json", ".md", ".html")


def render_fleet(document: dict[str, Any], suffix: str) -> str:
    if suffix == ".json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if suffix == ".md":
        from .markdown import render_fleet_markdown

        return render_fleet_markdown(document)
    if suffix == ".html":
        from .html import render_fleet_html

        return render_fleet_html(document)
    raise ValueError(f"no fleet report format for {suffix!r}")


def write_fleet_reports(paths: list[Path], document: dict[str, Any]) -> None:
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_fleet(document, path.suffix.lower()), encoding="utf-8")
