"""Read fleet JSON reports and merge several (from split CI jobs) into one, as if one fleet had run them all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..schemas import store
from .model import FLEET_REPORT_SCHEMA, fleet_document


class FleetReportError(ValueError):
    """A file that is not a readable, valid fleet report, or reports that cannot be merged; one line."""


def load_fleet_report(path: Path) -> dict[str, Any]:
    """Read a JSON fleet report and check it against schemas/fleet/fleet-report.schema.json."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FleetReportError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise FleetReportError(f"{path}: not a readable JSON file ({' '.join(str(exc).split())[:200]})") from None
    problem = store().problem(FLEET_REPORT_SCHEMA, document)
    if problem:
        raise FleetReportError(f"{path}: not a fleet report ({problem[:300]})")
    return dict(document)


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
