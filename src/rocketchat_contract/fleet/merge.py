"""Read fleet JSON reports and merge several (from split CI jobs) into one, as if one fleet had run them all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rocketchat_contract.fleet.model import fleet_document
from rocketchat_contract.reports.load import FLEET, ReportFile, read_report_file
from rocketchat_contract.reports.observations import ObservationIdError, check_references


class FleetReportError(ValueError):
    """A file that is not a readable, valid fleet report, or reports that cannot be merged; one line."""


def fleet_report(file: ReportFile) -> dict[str, Any]:
    """A report file's fleet report, checked against schemas/fleet/fleet-report.schema.json and each target's
    evidence against its observations (FleetReportError). One written before fleet reports stated their ``kind``
    is refused: ``rejudge``, ``verify``, ``attest`` and ``--merge`` take the fleet reports of this schema_version."""
    if file.is_legacy_fleet:
        raise FleetReportError(
            f"{file.path} has no kind: it was written before fleet reports stated their kind and schema_version "
            f"(schema_version {FLEET.version}); run the fleet once more to get one (diff still compares it)"
        )
    return comparable_fleet_report(file)


def comparable_fleet_report(file: ReportFile) -> dict[str, Any]:
    """A report file's fleet report as ``fleet_report`` checks it, or one written before fleet reports stated their
    ``kind``, which ``diff`` still compares (FleetReportError)."""
    document = file.checked(FLEET.schema, FLEET.words, FleetReportError)
    for target in document["targets"]:
        try:
            check_references(target["report"] or {})
        except ObservationIdError as exc:
            raise FleetReportError(f"{file.path} target {target['name']}: {exc}") from None
    return document


def load_fleet_report(path: Path) -> dict[str, Any]:
    """Read a JSON fleet report and check it against its schema (FleetReportError if it cannot be)."""
    return fleet_report(read_report_file(path, FleetReportError))


def merge_reports(documents: list[tuple[str, dict[str, Any]]], *, allow_untestable: bool) -> dict[str, Any]:
    """Merge (name, report) pairs in order; a target name may appear in only one of them."""
    targets: list[dict[str, Any]] = []
    owner: dict[str, str] = {}
    sources: list[str] = []
    for name, document in documents:
        for target in document["targets"]:
            if target["name"] in owner:
                raise FleetReportError(
                    f"target {target['name']} is in both {owner[target['name']]} and {name}; "
                    "split the fleet file so that each target runs in one job"
                )
            owner[target["name"]] = name
            targets.append(target)
        sources += [s for s in document["sources"] if s not in sources]
    return fleet_document(
        targets,
        sources=sources,
        started_at=min(d["started_at"] for _, d in documents),
        finished_at=max(d["finished_at"] for _, d in documents),
        allow_untestable=allow_untestable,
    )
