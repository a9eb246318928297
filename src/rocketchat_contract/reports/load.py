"""The one reader of report files: a JSON document a run wrote (a compliance report, a fleet report), read once
within ``contract.reader.REPORTS``'s bounds, told apart by its ``kind``, and checked against the schema its kind
names, so every command refuses a bad file in one line rather than failing halfway through it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rocketchat_contract.contract.reader import REPORTS, ReadError, decode, parse_json, read_bytes
from rocketchat_contract.contract.schemas import BASE_URI, store
from rocketchat_contract.reports.observations import ObservationIdError, check_references


@dataclass(frozen=True)
class Kind:
    """A kind of report: the ``kind`` it states, the schema it follows (by path under ``schemas/``, and by the
    ``$id`` the report names as its ``$schema``) and the ``schema_version`` it is written at."""

    name: str
    schema: str
    version: int
    words: str
    """The kind in a sentence: "a compliance report"."""

    @property
    def schema_id(self) -> str:
        return BASE_URI + self.schema

    def head(self) -> dict[str, Any]:
        """The fields a report of this kind opens with: ``$schema``, ``kind``, ``schema_version``."""
        return {"$schema": self.schema_id, "kind": self.name, "schema_version": self.version}


COMPLIANCE = Kind("compliance-report", "reports/compliance-report.schema.json", 3, "a compliance report")
"""The compliance report of one run. schema_version 2 was the first that keeps everything a verdict rests on
(``observations``) and the registry it was judged with; 3 adds ``kind`` and ``$schema``, the clauses the run was
asked to judge (``selection``), the URL of every exchange, the ``outcome``, whether it was re-judged
(``rejudged``), the embedded profile and the partly verified clauses as fields, and evidence that names
observations by id. Older reports can be compared (``diff``) but not re-judged nor verified."""
FLEET = Kind("fleet-report", "fleet/fleet-report.schema.json", 1, "a fleet report")
"""The report of a fleet, every tested target's compliance report embedded. 1 is the first to state its kind; one
without (written before) can be compared (``diff``) but not re-judged, verified, attested nor merged."""
REPORT_SCHEMA = COMPLIANCE.schema
COMPLIANCE_REPORT = COMPLIANCE.words


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
        """Whether it is meant as a fleet report, which ``diff``, ``verify``, ``rejudge`` and ``attest`` hand to the
        fleet's code: its ``kind`` says so; its schema decides whether it is a valid one."""
        if not isinstance(self.document, dict):
            return False
        if "kind" in self.document:
            return bool(self.document["kind"] == FLEET.name)
        return self.is_legacy_fleet

    @property
    def is_legacy_fleet(self) -> bool:
        """A fleet report written before fleet reports stated their kind: no ``kind``, but its targets and sources."""
        document = self.document
        return isinstance(document, dict) and "kind" not in document and {"targets", "sources"} <= document.keys()

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
    """The file's compliance report, checked against the report schema and its evidence against its observations
    (ReportError if it is not one)."""
    if file.is_fleet:
        raise ReportError(f"{file.path}: not {COMPLIANCE.words} but {FLEET.words}")
    report = file.checked(COMPLIANCE.schema, COMPLIANCE.words, ReportError)
    try:
        check_references(report)
    except ObservationIdError as exc:
        raise ReportError(f"{file.path}: {exc}") from None
    return report


def read_written_report(path: Path) -> dict[str, Any]:
    """A compliance report the suite has just written (a fleet target's run, in the fleet's own folder): read within
    the reports' bounds and of its kind and schema_version (ReportError otherwise), but not checked against the
    report schema, which took a third of a fleet's own time per target. Whoever reads the fleet report later
    (``--merge``, ``verify``, ``diff``, ``rejudge``) checks it whole, embedded reports included."""
    document = read_report_file(path, ReportError).document
    if not isinstance(document, dict) or {k: document.get(k) for k in ("kind", "schema_version")} != {
        "kind": COMPLIANCE.name,
        "schema_version": COMPLIANCE.version,
    }:
        raise ReportError(f"{path}: not {COMPLIANCE.words} of schema_version {COMPLIANCE.version}")
    return document


def load_report(path: Path) -> dict[str, Any]:
    """Read a JSON compliance report and check it as ``compliance_report`` does (ReportError if it cannot be)."""
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
