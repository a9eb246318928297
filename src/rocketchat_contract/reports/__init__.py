"""Compliance reports (JSON, Markdown, self-contained HTML) built from one run's ledger."""

from __future__ import annotations

from pathlib import Path

from ..ledger import Ledger
from ..record import RunRecord
from .model import build_report
from .render import render


def write_reports(paths: list[Path], run: RunRecord, ledger: Ledger, *, strict_docs: bool) -> None:
    """Write one report per path, its format chosen by the extension."""
    report = build_report(run, ledger, strict_docs=strict_docs)
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(report, path.suffix.lower()), encoding="utf-8")


__all__ = ["build_report", "render", "write_reports"]
