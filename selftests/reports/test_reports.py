"""The compliance reports: the JSON schema, the Markdown and HTML renderings, and secrets kept out of them.

The fixtures under data/reports/ are real ``build_report()`` documents (see data/reports/generate.py):
Rocket.Chat 3.18.3, 8.8.1 and a hypothetical 9.9.0 that shows all four verdicts.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from rocketchat_contract.client.credentials import Credential
from rocketchat_contract.client.http import Exchange
from rocketchat_contract.client.redact import MASK, Redactor
from rocketchat_contract.contract.schemas import BASE_URI, store
from rocketchat_contract.contract.versions import eras, parse_version
from rocketchat_contract.judge.verdicts import Judgement, Verdict
from rocketchat_contract.reports.html import render_html
from rocketchat_contract.reports.markdown import render_markdown
from rocketchat_contract.reports.model import build_report
from rocketchat_contract.reports.render import render
from rocketchat_contract.reports.write import write_reports
from rocketchat_contract.results.ledger import Ledger
from rocketchat_contract.results.record import JudgementRecord
from rocketchat_contract.run.contract_run import ContractRun, Settings

LABELS = {verdict.value: verdict.label for verdict in Verdict}

DATA = Path(__file__).resolve().parents[1] / "data" / "reports"
SCHEMA = "reports/compliance-report.schema.json"
FIXTURES = ("rc-3.18.json", "rc-8.8.json", "rc-9.9.json")
CHROMIUM = Path("/usr/bin/chromium")
SECRET = "Pl4nted-S3cret-T0ken-9f8e7d6c5b4a"


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return document


@pytest.fixture(params=FIXTURES)
def report(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load(request.param)


# -- the JSON schema ---------------------------------------------------------------------------------


def test_schema_is_a_valid_2020_12_schema_with_its_id() -> None:
    document = store().documents[SCHEMA]
    Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"] == BASE_URI + SCHEMA
    assert document["title"] and document["description"]
    assert document["examples"] and all(store().problem(SCHEMA, e) is None for e in document["examples"])


def test_fixture_reports_validate(report: dict[str, Any]) -> None:
    assert store().problem(SCHEMA, report) is None


def test_fixtures_cover_every_verdict() -> None:
    seen = {c["verdict"] for name in FIXTURES for c in load(name)["clauses"]}
    assert seen == {v.value for v in Verdict}


def _set(report: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split("/")
    node: Any = report
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is KeyError:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


BROKEN = {
    "unknown verdict": ("clauses/0/verdict", "passes"),
    "unknown source": ("clauses/0/source", "guessed"),
    "summary key missing": ("summary/violation", KeyError),
    "negative count": ("summary/conforms", -1),
    "status as text": ("observations/probes/privileged/response/status", "200"),
    "no response and no error": ("observations/probes/privileged/response", None),
    "evidence inline": ("clauses/0/evidence/0", {"probe": "privileged"}),
    "no kind": ("kind", KeyError),
    "another kind": ("kind", "fleet-report"),
    "another schema named": ("$schema", "https://rocketchat-contract.example/schemas/fleet/fleet-report.schema.json"),
    "embedded profile missing": ("embedded_profile", KeyError),
    "unknown top-level key": ("verdicts", []),
    "drift without instead": ("clauses/4/drift/instead", KeyError),
    "strict_docs as text": ("strict_docs", "no"),
}


@pytest.mark.parametrize("path, value", BROKEN.values(), ids=BROKEN.keys())
def test_broken_report_is_rejected(path: str, value: Any) -> None:
    broken = load("rc-8.8.json")
    _set(broken, path, value)
    assert store().problem(SCHEMA, broken) is not None


# -- secrets -----------------------------------------------------------------------------------------


def _run_with_secret() -> ContractRun:
    settings = Settings(
        base_url="https://chat.example.com",
        privileged=Credential("privileged", user_id="adminUserId01", token=SECRET, source="env"),
    )
    run = ContractRun(settings)
    run.client.close()
    run.placement = eras().place(parse_version("8.8.1"))
    run.notes.append(f"a note that quotes the token {SECRET}")
    return run


def test_build_report_masks_a_secret_planted_everywhere_in_the_evidence() -> None:
    run = _run_with_secret()
    assert SECRET in run.redactor.secrets
    leaky = Exchange(
        probe="foreign-token",
        method="GET",
        path="/api/v1/getImportProgress",
        request_headers={
            "X-User-Id": "someoneElse",
            "X-Auth-Token": SECRET,
            "Cookie": f"rc_token={SECRET}",
            "X-Raw": f"prefix-{SECRET}".encode(),
        },
        request_body={"authToken": "whatever", "note": f"token {SECRET}"},
        status=401,
        response_headers={"Content-Type": "application/json", "X-RateLimit-Echo": SECRET, "Set-Cookie": SECRET},
        body_text=json.dumps({"success": False, "error": f"bad token {SECRET}", "token": "x"}),
        elapsed=0.01,
    )
    ledger = Ledger()
    judgement = Judgement("auth.invalid", "foreign-token", Verdict.VIOLATION, f"got {SECRET} back", None, [leaky])
    judgement.observed = {"foreign-token": leaky}
    ledger.add(JudgementRecord.of(judgement, run.redactor))
    report = build_report(run.record(), ledger, strict_docs=True)
    text = json.dumps(report, ensure_ascii=False)
    assert SECRET not in text
    assert MASK in text
    assert store().problem(SCHEMA, report) is None
    for rendered in (render_markdown(report), render_html(report), render(report, ".json")):
        assert SECRET not in rendered


def test_write_reports_writes_every_format_without_the_secret(tmp_path: Path) -> None:
    run = _run_with_secret()
    exchange = Exchange(
        probe="privileged",
        method="GET",
        path="/api/v1/getImportProgress",
        request_headers={"X-User-Id": "adminUserId01", "X-Auth-Token": SECRET},
        status=200,
        response_headers={"Content-Type": "application/json"},
        body_text='{"success": true}',
    )
    ledger = Ledger()
    judgement = Judgement(
        "success.content-type", None, Verdict.CONFORMS, "Content-Type: application/json", None, [exchange]
    )
    judgement.observed = {"privileged": exchange}
    ledger.add(JudgementRecord.of(judgement, run.redactor))
    paths = [tmp_path / "out" / name for name in ("report.json", "report.md", "report.html")]
    write_reports(paths, run.record(), ledger, strict_docs=False)
    for path in paths:
        assert SECRET not in path.read_text(encoding="utf-8")
    assert store().problem(SCHEMA, json.loads(paths[0].read_text(encoding="utf-8"))) is None


def test_exchange_evidence_masks_bytes_headers() -> None:
    redactor = Redactor()
    redactor.add(SECRET)
    exchange = Exchange(
        probe="non-ascii-token", method="GET", path="/x", request_headers={"X-Auth-Token": f"ключ-{SECRET}".encode()}
    )
    exchange.error = "timed out after 10 s (--request-timeout)"
    evidence = exchange.evidence(redactor)
    assert SECRET not in json.dumps(evidence, ensure_ascii=False)
    assert evidence["response"] is None and evidence["error"]


# -- Markdown ----------------------------------------------------------------------------------------


def _table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("| `")]


def _cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_markdown_has_one_row_per_clause(report: dict[str, Any]) -> None:
    rows = _table_rows(render_markdown(report))
    assert len(rows) == len(report["clauses"])
    for row, clause in zip(rows, report["clauses"], strict=True):
        cells = _cells(row)
        assert len(cells) == 3
        assert cells[0] == f"`{clause['id']}`"
        assert LABELS[clause["verdict"]] in cells[1]


def test_markdown_heading_notes_legend_and_findings() -> None:
    report = load("rc-9.9.json")
    markdown = render_markdown(report)
    head = markdown.split("| Clause |", 1)[0]
    judged = f"judged as {report['judged_as']}"
    for fact in ("https://chat.example.com", "9.9.0", judged, "E4", "2025-09-15", "Strict docs:** no"):
        assert fact in head
    assert "## Notes" in markdown and "newer than the newest known release" in markdown
    legend = markdown.split("## Legend", 1)[1].split("##", 1)[0]
    assert all(label in legend for label in LABELS.values())
    findings = markdown.split("## Findings", 1)[1]
    assert "### `success.step`: violation" in findings and "importer_importing_history" in findings
    assert "### `success.response`" not in findings
    drift = render_markdown(load("rc-8.8.json")).split("## Findings", 1)[1]
    assert "`compat-401-body`" in drift and "**Source:**" in drift


OUTCOMES = {"rc-3.18.json": "PASS", "rc-8.8.json": "PASS", "rc-9.9.json": "FAIL"}


def _aborted() -> dict[str, Any]:
    from rocketchat_contract.results.record import RunRecord

    run = RunRecord(base_url="https://chat.example.com", started_at="2025-06-03T10:00:00+00:00")
    run.error = "cannot test https://chat.example.com: connection refused"
    return build_report(run, Ledger(), strict_docs=False)


def _banners(report: dict[str, Any]) -> tuple[str, str]:
    """The Markdown report's first line and the text of the HTML page's first element in <body>."""
    markdown = render_markdown(report).splitlines()
    page = render_html(report).split("<body>", 1)[1]
    first = re.sub(r"<[^>]+>", "", page.split("</div>", 1)[0])
    return "\n".join(markdown[:3]), html_unescape(first)


def html_unescape(text: str) -> str:
    from html import unescape

    return unescape(text)


@pytest.mark.parametrize("name", FIXTURES)
def test_markdown_and_html_state_the_outcome_first(name: str) -> None:
    """PASS or FAIL, why, the target (with its version) and the date come before anything else."""
    report = load(name)
    for banner in _banners(report):
        assert re.match(rf"\W*{OUTCOMES[name]}\b", banner), banner
        for fact in (report["target"], report["started_at"][:10], report["server_version"]):
            assert fact in banner, (fact, banner)
    failing = [c["id"] for c in report["clauses"] if c["verdict"] == "violation"]
    assert all(clause in _banners(report)[1] for clause in failing)


def test_strict_docs_and_aborted_reports_say_fail_and_not_tested() -> None:
    strict = load("rc-8.8.json")
    strict["strict_docs"] = True
    for banner in _banners(strict):
        assert "FAIL" in banner and "--strict-docs" in banner and "auth.missing" in banner, banner
    for banner in _banners(_aborted()):
        assert "NOT TESTED" in banner and "connection refused" in banner, banner


def test_markdown_lists_violations_first_then_drift_then_not_verified() -> None:
    """A violation never sits below drift in the findings (here method.get-only, after the drift of auth.*
    and before the unverified generated clauses in catalogue order)."""
    report = load("rc-8.8.json")
    clause = next(c for c in report["clauses"] if c["id"] == "method.get-only")
    clause["verdict"] = "violation"
    findings = render_markdown(report).split("## Findings", 1)[1]
    listed = re.findall(r"^### `([^`]+)`: (.+)$", findings, flags=re.MULTILINE)
    order = {"violation": 0, "known drift": 1, "not verified": 2}
    assert [order[verdict] for _, verdict in listed] == sorted(order[verdict] for _, verdict in listed)
    assert {verdict for _, verdict in listed} == set(order), "the fixture should hold every kind of finding"


def test_markdown_escapes_pipes_and_keeps_only_the_first_line() -> None:
    """A detail's first line is a code span in its cell (pipes escaped for the table); a target outside the table is
    a code span as it is."""
    report = load("rc-8.8.json")
    report["clauses"][0]["detail"] = "left | right <b>bold</b>\nsecond line"
    report["target"] = "https://a|b.example"
    markdown = render_markdown(report)
    row = _table_rows(markdown)[0]
    assert "`left \\| right <b>bold</b>`" in row
    assert "second line" not in row
    assert len(_cells(row)) == 3
    assert "- **Target:** `https://a|b.example`" in markdown


def test_markdown_fences_a_detail_holding_backticks() -> None:
    report = load("rc-9.9.json")
    report["clauses"][2]["detail"] = "odd ``` fence\nline two"
    markdown = render_markdown(report)
    assert "````text\nodd ``` fence\nline two\n````" in markdown


# -- HTML --------------------------------------------------------------------------------------------

VOID = {"meta", "br", "hr", "img", "input", "link", "wbr"}


class _Checker(HTMLParser):
    """Collects attributes and checks that every non-void element is closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unexpected </{tag}>")


def _parse(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    return checker


def test_html_is_well_formed(report: dict[str, Any]) -> None:
    checker = _parse(render_html(report))
    assert checker.problems == [] and checker.stack == []


def test_html_is_self_contained(report: dict[str, Any]) -> None:
    page = render_html(report)
    checker = _parse(page)
    for tag, name, value in checker.attrs:
        assert name != "src", f"<{tag} src=...> loads something"
        if name == "href":
            assert value and value.startswith("#"), f"<{tag} href={value!r}> leaves the page"
    lowered = page.lower()
    for forbidden in ("<script", "<link", "<img", "<iframe", "@import", "url(", "src="):
        assert forbidden not in lowered
    assert not re.search(r"(href|src)\s*=\s*[\"']?(https?:)?//", lowered)


def test_html_lists_every_clause_with_its_verdict_label(report: dict[str, Any]) -> None:
    page = render_html(report)
    table = page.split('<table class="clauses">', 1)[1].split("</table>", 1)[0]
    for clause in report["clauses"]:
        row = table.split(f"<code>{clause['id']}</code>", 1)[1].split("</tr>", 1)[0]
        assert f"v-{clause['verdict']}" in row
        assert LABELS[clause["verdict"]] in row
        assert f'<details id="clause-{clause["id"]}">' in page
    assert all(label in page.split("<h2>Legend</h2>", 1)[1] for label in LABELS.values())
    for fact in (report["server_version"], report["era"], report["target"].split(",")[0]):
        assert fact in page.split("</header>", 1)[0]


def test_html_escapes_injected_markup() -> None:
    report = load("rc-8.8.json")
    injected = "<script>alert('x')</script>"
    report["clauses"][0]["detail"] = injected
    report["observations"]["probes"][report["clauses"][0]["evidence"][0]]["response"]["body"] = {"error": injected}
    report["notes"] = [injected]
    report["target"] = f'"><img src=x onerror=alert(1)> {injected}'
    page = render_html(report)
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert _parse(page).problems == []


def test_html_shows_evidence_as_pretty_json() -> None:
    report = load("rc-3.18.json")
    page = render_html(report)
    evidence = page.split("<h2>Evidence</h2>", 1)[1]
    assert evidence.count("<details ") == len(report["clauses"])
    assert "&quot;X-Auth-Token&quot;: &quot;[redacted]&quot;" in evidence
    assert "<pre>{\n  &quot;status&quot;: 401," in evidence


def test_render_rejects_an_unknown_suffix() -> None:
    with pytest.raises(ValueError, match=r"\.txt"):
        render(load("rc-8.8.json"), ".txt")


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is absent: install Debian's chromium package (apt-get install -y chromium) "
    "to render the HTML report in headless Chromium",
)
def test_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    report = copy.deepcopy(load("rc-9.9.json"))
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    result = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert '<table class="clauses">' in dom and "<tbody>" in dom
    for clause in report["clauses"]:
        assert clause["id"] in dom
    assert "importer_importing_history" in dom


def test_a_clause_lists_its_outcomes_in_the_order_its_verdict_is_taken() -> None:
    """The first line of a clause's detail is the outcome its verdict comes from: a known drift on one probe
    outranks a probe that could not be verified, in the verdict and in the detail alike."""
    ledger = Ledger()
    ledger.add(JudgementRecord("auth.missing", "no-headers", Verdict.NOT_VERIFIED, "rate limited"))
    ledger.add(JudgementRecord("auth.missing", "only-user-id", Verdict.KNOWN_DRIFT, "3.x body", drift="d"))
    (result,) = ledger.results()
    assert result.verdict is Verdict.KNOWN_DRIFT
    assert result.detail.splitlines()[0] == "[only-user-id] 3.x body"


def test_a_report_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    """A failed write leaves the previous file and no partial one; the other formats are still written, JSON in
    pieces (a fleet of thousands never holds its whole text), which a failure part way leaves unwritten too."""
    from rocketchat_contract.reports.render import JSON_CHUNK, Renderers, ReportWriteError, write_as

    def full_disk(document: dict[str, Any]) -> str:
        raise OSError(28, "No space left on device")

    kind = Renderers(markdown=full_disk, html=lambda document: f"<p>{document['n']}</p>")
    kept, written, page = tmp_path / "r.md", tmp_path / "r.json", tmp_path / "r.html"
    kept.write_text("previous")
    document = {"n": 1, "filler": ["x" * 100] * (3 * JSON_CHUNK // 100)}
    with pytest.raises(ReportWriteError, match=r"could not write the report .*r\.md \(No space left on device\)"):
        write_as([kept, written, page], document, kind)
    assert kept.read_text() == "previous" and json.loads(written.read_text()) == document
    assert page.read_text() == "<p>1</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.json", "r.md"]

    class Unwritable(dict[str, Any]):
        """A part that fails as the disk fills, after the first pieces were written."""

        def items(self) -> Any:
            raise OSError(28, "No space left on device")

    with pytest.raises(ReportWriteError):
        write_as([written], {**document, "n": 2, "bad": Unwritable(a=1)}, kind)
    assert json.loads(written.read_text()) == document, "a JSON report that failed part way left the previous one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.json", "r.md"]


@pytest.mark.parametrize("name", ["rc-3.18.json", "rc-8.8.json", "rc-9.9.json"])
def test_the_fixture_reports_name_the_registry_this_checkout_has(name: str) -> None:
    """The fixtures are judged with contracts/ and schemas/ as they are: a change to either makes every test that
    verifies or attests a fixture fail for a reason this test names, with its remedy."""
    from rocketchat_contract.results.registry import registry

    assert load(name)["registry"] == registry(), (
        f"{name} was judged with other contract data: run `python selftests/data/reports/generate.py`"
    )
