"""Write one run's compliance reports."""

from __future__ import annotations

from pathlib import Path

from rocketchat_contract.reports.model import build_report
from rocketchat_contract.reports.render import COMPLIANCE_REPORT, write_as
from rocketchat_contract.results.ledger import Ledger
from rocketchat_contract.results.record import RunRecord


def write_reports(paths: list[Path], run: RunRecord, ledger: Ledger, *, strict_docs: bool) -> None:
    """Write one report per path, its format chosen by the extension."""
    write_as(paths, build_report(run, ledger, strict_docs=strict_docs), COMPLIANCE_REPORT)
