"""Compliance reports (JSON, Markdown, self-contained HTML) built from one run's ledger."""

from __future__ import annotations

from pathlib import Path

from ..ledger import Ledger
from ..record import RunRecord
from .model import build_report
from .render import render, write_as


def write_reports(paths: list[Path], run: RunRecord, ledger: Ledger, *, strict_docs: bool) -> None:
    """Write one report per path, its format chosen by the extension."""
    write_as(paths, build_report(run, ledger, strict_docs=strict_docs), render)


__all__ = ["build_report", "render", "write_reports"]
