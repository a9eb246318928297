"""Render a report document as JSON, Markdown or HTML, chosen by the file name's extension."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

FORMATS = (".json", ".md", ".html")
"""The report formats, by extension: compliance reports and fleet reports alike."""
Renderer = Callable[[dict[str, Any]], str]


def render_as(document: dict[str, Any], suffix: str, markdown: Renderer, html: Renderer) -> str:
    """``document`` in the format ``suffix`` names, JSON being the document itself."""
    if suffix == ".json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if suffix == ".md":
        return markdown(document)
    if suffix == ".html":
        return html(document)
    raise ValueError(f"no report format for {suffix!r} (known: {', '.join(FORMATS)})")


def render(report: dict[str, Any], suffix: str) -> str:
    """A compliance report; the Markdown and HTML renderers load only when asked for."""

    def markdown(document: dict[str, Any]) -> str:
        from .markdown import render_markdown

        return render_markdown(document)

    def html(document: dict[str, Any]) -> str:
        from .html import render_html

        return render_html(document)

    return render_as(report, suffix, markdown, html)


def write_as(paths: Iterable[Path], document: dict[str, Any], render_one: Callable[[dict[str, Any], str], str]) -> None:
    """Write ``document`` to each path in the format of its extension, creating folders as needed."""
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_one(document, path.suffix.lower()), encoding="utf-8")
