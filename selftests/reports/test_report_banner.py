"""Reports show the outcome first (issue 22, item 5): the banner of the Markdown and HTML reports names the target,
version, era, date and the registry the report was judged with; the Markdown's evidence is collapsed for a pull
request comment; the HTML banner's mark shows without an emoji font (issue 27)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from test_reports import FIXTURES, load

from rocketchat_contract.reports.html import render_html
from rocketchat_contract.reports.markdown import EXCHANGES_SHOWN, render_markdown
from rocketchat_contract.reports.observations import by_id
from rocketchat_contract.reports.outcome import outcome


def _banners(report: dict[str, Any]) -> tuple[str, str]:
    """The Markdown banner line and the text of the HTML page's banner."""
    markdown = render_markdown(report).splitlines()[2]
    page = render_html(report).split("<body>", 1)[1].split("</div>", 1)[0]
    return markdown, unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("name", FIXTURES)
def test_the_banner_names_era_and_registry(name: str) -> None:
    report = load(name)
    registry = report["registry"]
    for banner in _banners(report):
        assert f"era {report['era']}" in banner, banner
        assert f"registry {registry['suite_version']}+{registry['data_sha256'][:12]}" in banner, banner
        assert report["server_version"] in banner and report["started_at"][:10] in banner, banner


def test_the_banner_counts_local_drift_files_and_names_the_release_judged_as() -> None:
    report = load("rc-9.9.json")
    report["registry"]["extra_drift"] = [{"path": "local-drift.yaml", "sha256": "0" * 64}]
    for banner in _banners(report):
        assert "+ 1 local drift file" in banner and f"judged as {report['judged_as']}" in banner, banner


def test_a_report_older_than_its_registry_field_has_a_banner_without_one() -> None:
    report = {k: v for k, v in load("rc-8.8.json").items() if k != "registry"}
    for banner in _banners(report):
        assert "registry" not in banner and report["target"] in banner, banner


def test_markdown_findings_keep_their_evidence_collapsed() -> None:
    report = load("rc-9.9.json")
    findings = render_markdown(report).split("## Findings", 1)[1]
    opened, closed = findings.count("<details><summary>Evidence ("), findings.count("</details>")
    described = [
        c
        for c in report["clauses"]
        if c["verdict"] != "conforms" and (c["verdict"] != "known-drift" or not c["drift"] or "\n" in c["detail"])
    ]
    assert opened == closed == len(described) > 0
    missing = next(c for c in report["clauses"] if c["id"] == "auth.missing")
    block = findings.split("### `auth.missing`", 1)[1].split("</details>", 1)[0]
    assert f"<summary>Evidence ({len(missing['evidence'])} exchanges)</summary>\n\n```text\n" in block
    for exchange in (by_id(report)[name] for name in missing["evidence"]):
        assert f"- `{exchange['probe']}`: GET `/api/v1/getImportProgress` → {exchange['response']['status']}" in block


def test_markdown_lists_at_most_a_few_exchanges_of_a_finding() -> None:
    report = load("rc-9.9.json")
    clause = next(c for c in report["clauses"] if c["id"] == "auth.missing")
    probes = report["observations"]["probes"]
    kept = clause["evidence"]
    clause["evidence"] = [f"copy-{i}" for i in range(EXCHANGES_SHOWN + 2)]
    for i, name in enumerate(clause["evidence"]):
        probes[name] = {**probes[kept[i % len(kept)]], "probe": name}
    block = render_markdown(report).split("### `auth.missing`", 1)[1].split("</details>", 1)[0]
    extra = len(clause["evidence"]) - EXCHANGES_SHOWN
    assert block.count("\n- `") == EXCHANGES_SHOWN and f"… and {extra} more in the JSON report" in block


def test_a_partial_report_never_shows_pass() -> None:
    """A run asked to judge only part of the catalogue has no failure yet no PASS: PARTIAL, naming what it left."""
    report = load("rc-8.8.json")
    assert outcome(report).key == "pass"
    report["clauses"] = [c for c in report["clauses"] if c["id"] != "method.get-only"]
    report["selection"] = {"clauses": [c["id"] for c in report["clauses"]], "probes": {}}
    assert outcome(report).as_json() == {"result": "partial", "failing": [], "not_judged": ["method.get-only"]}
    for banner in _banners(report):
        assert banner.lstrip("\n*◐ ").startswith("PARTIAL"), banner
        assert "not judged (the run was not asked to): method.get-only" in banner, banner
        assert "PASS" not in banner, banner
    html = render_html(report).split("<body>", 1)[1].split("</div>", 1)[0]
    assert '<svg class="omark"' in html.split("<strong>", 1)[1].split("</strong>", 1)[0], "PARTIAL draws its mark"


def test_a_rejudged_report_says_so_in_its_banner() -> None:
    report = load("rc-8.8.json")
    report["rejudged"] = {"at": "2026-01-02T03:04:05+00:00", "from_digest": "a" * 64}
    for banner in _banners(report):
        assert "re-judged offline 2026-01-02 03:04:05 UTC, not a live run" in banner, banner


# -- the HTML banner's mark -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*FIXTURES, "aborted"])
def test_the_html_banner_draws_its_mark_instead_of_an_emoji(name: str) -> None:
    """An emoji (U+274C) is an empty box where no emoji font is installed (headless Chromium on Debian): the mark
    is inline SVG, and the banner's text holds nothing beyond Latin-1 but the middle dot between facts."""
    aborted = {**load("rc-8.8.json"), "aborted": "cannot test https://chat.example.com: connection refused"}
    report = aborted if name == "aborted" else load(name)
    banner = render_html(report).split("<body>", 1)[1].split("</div>", 1)[0]
    mark = banner.split("<strong>", 1)[1].split("</strong>", 1)[0]
    assert mark.startswith('<svg class="omark"') and 'aria-hidden="true"' in mark
    words = re.sub(r"<[^>]+>", "", banner)
    assert not [c for c in words if ord(c) > 0xFF and c != "·"], words
