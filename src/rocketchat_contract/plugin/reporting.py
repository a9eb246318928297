"""The judgements reported by the tests that ran, gathered in the process that prints the table and the reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rocketchat_contract.results.ledger import Ledger
from rocketchat_contract.results.record import JudgementRecord, RunRecord


class Collector:
    def __init__(self) -> None:
        self.ledger = Ledger()
        self.run: RunRecord | None = None

    def add(self, data: dict[str, Any]) -> None:
        """Add one test report's judgement, and the run's metadata it carries."""
        self.ledger.add(JudgementRecord.from_json(data["judgement"]))
        if self.run is None:
            self.run = RunRecord(**data["run"])

    def summary_lines(self) -> list[str]:
        from rocketchat_contract.reports.table import summary_lines

        assert self.run is not None
        return summary_lines(self.run, self.ledger)

    def write(self, paths: list[Path], *, strict_docs: bool) -> None:
        from rocketchat_contract.reports.write import write_reports

        assert self.run is not None
        write_reports(paths, self.run, self.ledger, strict_docs=strict_docs)

    def attest(self, paths: list[Path], key_path: Path) -> None:
        """Sign each JSON report just written (--attest-key) into its attestation beside it."""
        from rocketchat_contract.reports.attestation import attest_written

        attest_written([path for path in paths if path.suffix.lower() == ".json"], key_path)
