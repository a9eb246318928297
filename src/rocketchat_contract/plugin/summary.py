"""The verdict table printed at the end of every run (it lives in ``reports.table``, which ``rejudge`` prints too)."""

from __future__ import annotations

from rocketchat_contract.reports.table import MIN_DETAIL, summary_lines, terminal_width

__all__ = ["MIN_DETAIL", "summary_lines", "terminal_width"]
