"""The two HTML reports are one design: the fleet page shows a clause's evidence exactly as the single-server
page does, carries the same stylesheet, and escapes what it prints the same way."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from rocketchat_contract.fleet.fleetfile import TargetSpec
from rocketchat_contract.fleet.html import render_fleet_html
from rocketchat_contract.fleet.model import fleet_document, target_record
from rocketchat_contract.fleet.runner import TargetRun, pack
from rocketchat_contract.reports.html import render_html

REPORTS = Path(__file__).resolve().parents[1] / "data" / "reports"
HOSTILE = "<script>alert('x')</script> \"q\" & é"


def _report() -> dict[str, Any]:
    report: dict[str, Any] = json.loads((REPORTS / "rc-3.18.json").read_text(encoding="utf-8"))
    clause = report["clauses"][0]
    clause["detail"] = HOSTILE
    clause["title"] = HOSTILE
    return report


def _fleet_page(report: dict[str, Any]) -> str:
    target = target_record(TargetRun(TargetSpec("one", "https://chat.example.com"), status=0, packed=pack(report)))
    document = fleet_document(
        [target],
        sources=["fleet.yaml"],
        started_at="2026-11-30T09:00:00+00:00",
        finished_at="2026-11-30T09:01:00+00:00",
        allow_untestable=False,
    )
    return "".join(render_fleet_html(document))


def _evidence(page: str) -> list[str]:
    """Each clause's <details> block, its id left out (each page anchors it its own way)."""
    blocks = re.findall(r"<details id=\"[^\"]*\">(.*?)</details>", page, flags=re.S)
    return [" ".join(block.split()) for block in blocks]


def _stylesheet(page: str) -> str:
    match = re.search(r"<style>(.*?)</style>", page, flags=re.S)
    assert match, "no stylesheet"
    return " ".join(match.group(1).split())


def test_the_fleet_page_shows_each_clauses_evidence_as_the_single_page_does() -> None:
    report = _report()
    single, fleet = _evidence(render_html(report)), _evidence(_fleet_page(report))
    assert len(single) == len(report["clauses"]) and fleet == single


def test_both_pages_carry_the_same_stylesheet() -> None:
    report = _report()
    assert _stylesheet(_fleet_page(report)).startswith(_stylesheet(render_html(report)))


def test_both_pages_escape_a_hostile_value_alike() -> None:
    report = _report()
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &quot;q&quot; &amp; é"
    for page in (render_html(report), _fleet_page(report)):
        assert "<script>alert" not in page and escaped in page


def test_the_fleet_page_is_generated_a_target_at_a_time(monkeypatch: Any) -> None:
    """A target's evidence is resolved when the page reaches it, so that a fleet of a thousand never holds every
    target's resolved evidence at once (the page was 1.4 GB of memory for 1,000 targets, now what the reports hold)."""
    from rocketchat_contract.fleet import html

    made: list[str] = []
    real = html._details

    def counted(target: dict[str, Any]) -> dict[str, Any]:
        made.append(target["name"])
        return real(target)

    monkeypatch.setattr(html, "_details", counted)
    report = _report()
    records = [
        target_record(TargetRun(TargetSpec(f"t{i}", "https://chat.example.com"), status=0, packed=pack(report)))
        for i in range(3)
    ]
    document = fleet_document(records, sources=["f.yaml"], started_at="x", finished_at="y", allow_untestable=False)
    pieces = render_fleet_html(document)
    seen: list[str] = []
    for piece in pieces:
        seen.append(str(piece))
        if 'id="t-t1--' in "".join(seen[-3:]):  # the first clause of t1
            break
    assert made == ["t0", "t1"], made  # t2's evidence not resolved yet
    assert "".join(pieces) and made == ["t0", "t1", "t2"]
