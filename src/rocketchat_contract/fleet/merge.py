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
    """Merge (name, report) pairs into one fleet report; a target name may appear in only one of them.

    The reports of the N shards of one fleet file (``--shard K/N``) merge into the report of the whole fleet, its
    targets in the fleet file's order; other reports (split fleet files) merge in the order given."""
    shards = [document.get("shard") for _, document in documents]
    if any(shards):
        _check_shards(documents)
        documents = sorted(documents, key=lambda pair: pair[1]["shard"]["index"])
    targets: list[tuple[int, dict[str, Any]]] = []
    owner: dict[str, str] = {}
    sources: list[str] = []
    for name, document in documents:
        shard = document.get("shard")
        positions = (
            shard["positions"] if shard else range(len(targets) + 1, len(targets) + 1 + len(document["targets"]))
        )
        for position, target in zip(positions, document["targets"], strict=True):
            if target["name"] in owner:
                raise FleetReportError(
                    f"target {target['name']} is in both {owner[target['name']]} and {name}; "
                    "split the fleet file so that each target runs in one job"
                )
            owner[target["name"]] = name
            targets.append((position, target))
        sources += [s for s in document["sources"] if s not in sources]
    if any(shards):
        targets.sort(key=lambda pair: pair[0])
    return fleet_document(
        [target for _, target in targets],
        sources=sources,
        started_at=min(d["started_at"] for _, d in documents),
        finished_at=max(d["finished_at"] for _, d in documents),
        allow_untestable=allow_untestable,
    )


def _check_shards(documents: list[tuple[str, dict[str, Any]]]) -> None:
    """Refuse (FleetReportError, one line) shard reports that are not exactly the N shards of one fleet file."""
    whole = [name for name, document in documents if not document.get("shard")]
    if whole:
        raise FleetReportError(f"{whole[0]} is not the report of a shard, the others are; merge the shards of one run")
    for name, document in documents:
        if len(document["shard"]["positions"]) != len(document["targets"]):
            raise FleetReportError(
                f"{name}: its shard names {len(document['shard']['positions'])} positions for "
                f"{len(document['targets'])} targets"
            )
    first_name, first = documents[0][0], documents[0][1]["shard"]
    for name, document in documents[1:]:
        shard = document["shard"]
        if shard["count"] != first["count"]:
            raise FleetReportError(
                f"{first_name} is shard {first['index']}/{first['count']} and {name} shard {shard['index']}/"
                f"{shard['count']}: shards of different splits"
            )
        if (shard["fleet_sha256"], shard["fleet_targets"]) != (first["fleet_sha256"], first["fleet_targets"]):
            raise FleetReportError(
                f"{first_name} and {name} are shards of different fleet files (their contents differ)"
            )
    seen: dict[int, str] = {}
    for name, document in documents:
        index = document["shard"]["index"]
        if index in seen:
            raise FleetReportError(f"{seen[index]} and {name} are both shard {index}/{first['count']}")
        seen[index] = name
    missing = [f"{k}/{first['count']}" for k in range(1, first["count"] + 1) if k not in seen]
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise FleetReportError(
            f"shard {shown} of {first_name}'s fleet file is missing; merge the reports of all {first['count']}"
        )
    positions = sorted(p for _, document in documents for p in document["shard"]["positions"])
    if positions != list(range(1, first["fleet_targets"] + 1)):
        raise FleetReportError(
            f"the shards hold {len(positions)} targets at positions that are not those of the fleet file's "
            f"{first['fleet_targets']} targets, each once"
        )
