"""Reports as older versions of the suite wrote them, made from a report of today's: what ``diff`` still compares
and ``rejudge``, ``verify`` and ``attest`` refuse in one line."""

from __future__ import annotations

import copy
from typing import Any

from rocketchat_contract.reports.observations import resolved

SINCE_3 = ("$schema", "kind", "embedded_profile", "partly_verified", "selection", "outcome", "rejudged")
"""The fields a compliance report has had since schema_version 3."""
SINCE_2 = ("schema_version", "observations", "registry", "digest")
"""The fields it has had since schema_version 2."""
FLEET_SINCE_1 = ("$schema", "kind", "schema_version")
"""The fields a fleet report has had since it stated its kind (schema_version 1)."""


def compliance_report(report: dict[str, Any], version: int | None) -> dict[str, Any]:
    """``report`` as schema_version ``version`` (2, or None for the first reports) kept it: every clause's
    exchanges inline, none with its URL, without the fields that came later."""
    older = copy.deepcopy(resolved(report))
    for clause in older["clauses"]:
        for exchange in clause["evidence"]:
            exchange["request"].pop("url", None)
    for exchanges in [older["observations"]["probes"], *older["observations"]["generated"].values()]:
        for exchange in exchanges.values():
            exchange.get("request", {}).pop("url", None)
    dropped = SINCE_3 if version == 2 else (*SINCE_3, *SINCE_2)
    older = {key: value for key, value in older.items() if key not in dropped}
    if version == 2:
        older["schema_version"] = 2
    return older


def fleet_report(document: dict[str, Any], version: int | None = 2) -> dict[str, Any]:
    """A fleet report as it was written before fleet reports stated their kind, its targets' reports at
    schema_version ``version``."""
    older = {key: value for key, value in copy.deepcopy(document).items() if key not in FLEET_SINCE_1}
    for target in older["targets"]:
        if target["report"]:
            target["report"] = compliance_report(target["report"], version)
    return older
