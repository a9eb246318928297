"""Read fleet JSON reports and merge several (from split CI jobs) into one, as if one fleet had run them all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rocketchat_contract.fleet.model import FLEET_REPORT_SCHEMA, fleet_document
from rocketchat_contract.reports.load import ReportFile, read_report_file


class FleetReportError(ValueError):
    """A file that is not a readable, valid fleet report, or reports that cannot be merged; one line."""


def fleet_report(file: ReportFile) -> dict[str, Any]:
    """A report file's fleet report, checked against schemas/fleet/fleet-report.schema.json (FleetReportError)."""
    return file.checked(FLEET_REPORT_SCHEMA, "a fleet report", FleetReportError)


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
