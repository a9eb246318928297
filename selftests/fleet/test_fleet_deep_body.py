"""A JSON body exactly as deep as the suite judges as JSON still makes a fleet report that reads back (merge, verify,
diff and rejudge read it with the reports' nesting bound); one level deeper is judged as no JSON body.

The fleet report embeds each target's compliance report, so a body sits more levels down there than in the
compliance report alone: the bound on a body is what the fleet report can hold (docs/files.md).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reference_fleet import Member, ReferenceFleet
from suite_runner import OPERATION
from werkzeug.wrappers import Response

from rocketchat_contract.client.http import MAX_BODY_DEPTH
from rocketchat_contract.commands.main import main
from rocketchat_contract.contract.reader import REPORTS, nesting
from rocketchat_contract.fleet.merge import load_fleet_report
from rocketchat_contract.reference import Knobs, hostile


def nested_to(depth: int, wrap: Callable[..., Response]) -> Callable[[Response], Response]:
    """The fault's wrapping, with as many arrays as make the whole body ``depth`` levels deep."""

    def exactly(response: Response) -> Response:
        return wrap(response, depth - nesting(json.loads(response.get_data())))

    return exactly


def the_deep_body(report: dict[str, Any]) -> Any:
    """The privileged probe's recorded body in the fleet report's one target."""
    (target,) = report["targets"]
    return target["report"]["observations"]["probes"]["privileged"]["response"]["body"]


@pytest.mark.parametrize("depth", [MAX_BODY_DEPTH, MAX_BODY_DEPTH + 1])
def test_the_deepest_body_judged_as_json_fits_a_fleet_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, depth: int
) -> None:
    monkeypatch.setattr(hostile, "deep", nested_to(depth, hostile.deep))
    knobs = Knobs(operation=OPERATION, faults=frozenset({hostile.DEEP}))
    with ReferenceFleet([Member("deep", "8.8", knobs)]) as fleet:
        for name in [name for name in os.environ if name.startswith("RC_")]:
            monkeypatch.delenv(name)
        for name, value in fleet.environment().items():
            monkeypatch.setenv(name, value)
        report = tmp_path / "fleet.json"
        status = main(["fleet", str(fleet.fleet_file(tmp_path / "fleet.yaml")), "--report", str(report)])
    assert status in (0, 1)
    document = load_fleet_report(report)  # within the reports' nesting bound, or FleetReportError
    assert nesting(document) <= REPORTS.max_depth
    body = the_deep_body(document)
    assert isinstance(body, list) == (depth == MAX_BODY_DEPTH)  # one level more: kept as text, not as JSON
