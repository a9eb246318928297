"""The one reader of report files: a JSON document a run wrote (a compliance report, a fleet report), read once
within ``contract.reader.REPORTS``'s bounds, told apart by its content, and checked against its schema, so every
command refuses a bad file in one line rather than failing halfway through it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rocketchat_contract.contract.reader import REPORTS, ReadError, decode, parse_json, read_bytes
from rocketchat_contract.contract.schemas import store

REPORT_SCHEMA = "reports/compliance-report.schema.json"
COMPLIANCE_REPORT = "a compliance report"


class DocumentError(ValueError):
    """A JSON file that is missing, unreadable, past its bounds, not JSON, or not the document its schema
    describes; one line."""


class ReportError(DocumentError):
    """A file that is not a readable, valid compliance report, or the report of an aborted run; one line."""


@dataclass(frozen=True)
class ReportFile:
    """A report file read once: where it is and its JSON document, not yet checked against a schema."""

    path: Path
    document: Any
    content: bytes
    """The bytes the document was parsed from (what an attestation's subject digest is taken over)."""

    @property
    def is_fleet(self) -> bool:
        """Whether it is meant as a fleet report (an object with targets and sources), which ``diff``, ``verify``
        and ``rejudge`` hand to the fleet's code; its schema decides whether it is a valid one."""
        return isinstance(self.document, dict) and "targets" in self.document and "sources" in self.document

    def checked(self, schema: str, kind: str, error: type[ValueError] = DocumentError) -> dict[str, Any]:
        """The document if it is valid against ``schema``; else ``error`` naming the file and ``kind``."""
        try:
            problem = store().problem(schema, self.document)
        except (KeyError, ValueError) as exc:
            raise error(f"cannot load the schema {schema}: {_one_line(str(exc))}") from None
        if problem:
            raise error(f"{self.path}: not {kind} ({_one_line(problem)})")
        return dict(self.document)


def read_report_file(path: Path, error: type[ValueError] = DocumentError) -> ReportFile:
    """Read the JSON file at ``path`` within the bounds of report files; ``error`` (one line) if it cannot be."""
    try:
        content = read_bytes(path, REPORTS)
        return ReportFile(path, parse_json(decode(content, str(path)), REPORTS, str(path)), content)
    except ReadError as exc:
        raise error(str(exc)) from None


def load_checked(path: Path, schema: str, kind: str, error: type[ValueError] = DocumentError) -> dict[str, Any]:
    """Read the JSON document at ``path`` and check it against ``schema``; ``kind`` names it in errors
    ("a compliance report"), raised as ``error`` (a caller's own one-line error class)."""
    return read_report_file(path, error).checked(schema, kind, error)


def compliance_report(file: ReportFile) -> dict[str, Any]:
    """The file's compliance report, checked against the report schema (ReportError if it is not one)."""
    return file.checked(REPORT_SCHEMA, COMPLIANCE_REPORT, ReportError)


def load_report(path: Path) -> dict[str, Any]:
    """Read a JSON compliance report and check it against the report schema (ReportError if it cannot be)."""
    return compliance_report(read_report_file(path, ReportError))


def check_judged(report: dict[str, Any], where: Path | str) -> None:
    """Refuse a report of an aborted run (ReportError): it judged nothing, so comparing, drafting from or judging
    it again would call every clause gone."""
    if "aborted" in report:
        why = _one_line(str(report["aborted"]))
        raise ReportError(f"{where} is the report of an aborted run, which judged nothing: {why}")


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
