"""Render a report document as JSON, Markdown or HTML."""

from __future__ import annotations

import json
from typing import Any


def render(report: dict[str, Any], suffix: str) -> str:
    if suffix == ".json":
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    if suffix == ".md":
        from .markdown import render_markdown

        return render_markdown(report)
    if suffix == ".html":
        from .html import render_html

        return render_html(report)
    raise ValueError(f"no report format for {suffix!r}")
