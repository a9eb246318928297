"""Server text in the reports, read by a real CommonMark renderer (markdown-it-py, GFM tables and linkify on) and an
HTML parser: it is shown, as code, and never becomes an image, a link, an autolink or HTML; nothing raw is left.

The reports here are the fixtures with server words planted where a server's reach them (details, notes, why a run
stopped, the version, the evidence); selftests/suite/test_hostile_text.py runs the suite against hostile servers.
"""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from rocketchat_contract.client.printable import CONTROLS, printable
from rocketchat_contract.fleet.diff import diff_fleets, render_fleet_diff
from rocketchat_contract.fleet.fleetfile import TargetSpec
from rocketchat_contract.fleet.html import render_fleet_html
from rocketchat_contract.fleet.markdown import render_fleet_markdown
from rocketchat_contract.fleet.model import fleet_document, target_record
from rocketchat_contract.fleet.runner import TargetRun, pack
from rocketchat_contract.fleet.terminal import Terminal
from rocketchat_contract.reports.diff import diff_reports, render_diff
from rocketchat_contract.reports.html import render_html
from rocketchat_contract.reports.markdown import code, render_markdown
from rocketchat_contract.reports.observations import by_id
from rocketchat_contract.reports.render import render

DATA = Path(__file__).resolve().parents[1] / "data" / "reports"
MARKUP = "![](//e.co) [a](//e.co) <img src=x onerror=alert(1)> www.e.co https://e.co/x `one` ``two`` a|b <b>b</b> \\"
CONTROL = "\x1b]0;pwned\x07\x1b[2J\x9b1m\x7f\u202eevil\u2066"
HOSTILE = f"Denied {MARKUP} {CONTROL} end"
RAW = re.compile("[" + "".join(re.escape(chr(point)) for point in CONTROLS if chr(point) != "\n") + "]")
OWN_HTML = re.compile(
    r'<details><summary>Evidence \(\d+ exchanges?\)</summary>\n?|</details>\n?|<br>|<a id="target-\w+">|</a>'
)
"""The HTML the Markdown reports write themselves: collapsed evidence, line breaks in a diff cell, a target anchor."""


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return document


def hostile_report(name: str = "rc-8.8.json") -> dict[str, Any]:
    """A report with server words in every field a server's words reach."""
    report = load(name)
    report["server_version"] = f"8.8.1 {HOSTILE}"
    report["notes"] = [*report["notes"], f"the server reports {HOSTILE}"]
    for clause in report["clauses"]:
        clause["detail"] = f"{HOSTILE}\n  actual: {HOSTILE}"
        for probe in clause["probes"]:
            probe["detail"] = HOSTILE
    for exchange in by_id(report).values():
        if exchange.get("response"):
            exchange["response"]["body"] = {"message": HOSTILE}
            exchange["response"]["headers"]["Server"] = HOSTILE
    return report


def aborted_report() -> dict[str, Any]:
    report = load("rc-8.8.json")
    report["aborted"] = f"GET /api/info reported the version {HOSTILE!r}, which is not a Rocket.Chat version"
    return report


@pytest.fixture(scope="module")
def markdown_it() -> MarkdownIt:
    return MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"])


def _tokens(tokens: list[Token]) -> list[Token]:
    return [t for token in tokens for t in (token, *_tokens(token.children or []))]


def assert_inert(markdown_it: MarkdownIt, markdown: str) -> list[Token]:
    """No image, link or HTML of the server's; its words only in code; nothing raw. Returns the tokens."""
    assert not RAW.search(markdown)
    tokens = _tokens(markdown_it.parse(markdown))
    assert not [t for t in tokens if t.type == "image"]
    links = [str(t.attrGet("href")) for t in tokens if t.type == "link_open"]
    assert not [href for href in links if "e.co" in href], links
    html = [t.content for t in tokens if t.type in ("html_inline", "html_block")]
    assert all(OWN_HTML.fullmatch(block) for block in html), html
    prose = [t.content for t in tokens if t.type == "text"]
    assert not [text for text in prose if "Denied" in text or "e.co" in text or "pwned" in text]
    quoted = [t.content for t in tokens if t.type in ("code_inline", "fence")]
    assert any("![](//e.co)" in text and "\\x1b]0;pwned\\x07" in text for text in quoted), "shown, as code"
    return tokens


def test_the_markdown_report_shows_server_words_as_code(markdown_it: MarkdownIt) -> None:
    report = hostile_report()
    tokens = assert_inert(markdown_it, render_markdown(report))
    cells = [t for t in tokens if t.type == "td_open"]
    assert len(cells) == 3 * len(report["clauses"]), "a pipe of the server's split no row"


def test_the_markdown_report_of_an_aborted_run_shows_why_as_code(markdown_it: MarkdownIt) -> None:
    assert_inert(markdown_it, render_markdown(aborted_report()))


@given(st.lists(st.sampled_from([*"`|\\ ![]()<>*_&#:/.wehtps", "www.", "\n", "\x1b", "\u202e", "é"])).map("".join))
def test_a_code_span_holds_any_text_whole_in_a_table_cell_and_in_prose(text: str) -> None:
    """The proof of ``code``: whatever the text, CommonMark reads back exactly one code span with the text
    (escaped, on one line) in a table cell and in a sentence, and nothing else."""
    parser = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"])
    expected = " ".join(printable(text).split())
    table = _tokens(parser.parse(f"| a | b |\n|---|---|\n| {code(text, table=True)} | x |\n"))
    cell = next(t for i, t in enumerate(table) if t.type == "inline" and table[i - 1].type == "td_open")
    sentence = next(t for t in _tokens(parser.parse(f"see {code(text)} here\n")) if t.type == "inline")
    if not expected:
        assert cell.children == [] and sentence.content == "see  here"
        return
    assert [(t.type, t.content) for t in cell.children or []] == [("code_inline", expected)]
    assert [(t.type, t.content) for t in sentence.children or []] == [
        ("text", "see "),
        ("code_inline", expected),
        ("text", " here"),
    ]


def test_the_diff_shows_changed_answers_as_code(markdown_it: MarkdownIt) -> None:
    old, new = load("rc-8.8.json"), hostile_report()
    for clause in new["clauses"]:
        clause["verdict"] = "violation"
    assert_inert(markdown_it, render_diff(diff_reports(old, new)))


def _fleet(*reports: dict[str, Any], reason: str | None = None) -> dict[str, Any]:
    targets = [
        target_record(TargetRun(TargetSpec(f"t{i}", "https://chat.example.com"), status=1, packed=pack(report)))
        for i, report in enumerate(reports)
    ]
    if reason is not None:
        down = TargetRun(TargetSpec("down", "https://down.example.com"), status=4, output=reason)
        targets.append(target_record(down))
    return fleet_document(
        targets,
        sources=["fleet.yaml"],
        started_at="2026-11-30T09:00:00+00:00",
        finished_at="2026-11-30T09:01:00+00:00",
        allow_untestable=True,
    )


def test_the_fleet_markdown_and_its_diff_show_server_words_as_code(markdown_it: MarkdownIt) -> None:
    document = _fleet(hostile_report(), reason=f"rocketchat-contract: {HOSTILE}\n")
    assert_inert(markdown_it, render_fleet_markdown(document))
    before = _fleet(load("rc-8.8.json"), load("rc-8.8.json"))
    after = _fleet(hostile_report(), load("rc-8.8.json"), reason=f"rocketchat-contract: {HOSTILE}\n")
    after["targets"][1] = {**after["targets"][2], "name": "t1"}
    assert_inert(markdown_it, render_fleet_diff(diff_fleets(before, after)))


def test_the_fleet_terminal_escapes_what_it_prints() -> None:
    document = _fleet(hostile_report(), reason=f"rocketchat-contract: {HOSTILE}\n")
    out = io.StringIO()
    terminal = Terminal(2, out)
    terminal.names(["t0", "down"])
    for target in document["targets"]:
        terminal.target(target)
    terminal.matrix(document)
    assert "\\x1b]0;pwned\\x07" in out.getvalue() and not RAW.search(out.getvalue().replace("\n", ""))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("page", ["single", "aborted", "fleet"])
def test_the_html_pages_show_server_words_escaped(page: str) -> None:
    rendered = {
        "single": lambda: render_html(hostile_report()),
        "aborted": lambda: render_html(aborted_report()),
        "fleet": lambda: "".join(
            render_fleet_html(_fleet(hostile_report(), reason=f"rocketchat-contract: {HOSTILE}\n"))
        ),
    }[page]()
    assert not RAW.search(rendered)
    parsed = _Tags()
    parsed.feed(rendered)
    assert not {"img", "b"} & set(parsed.tags)
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert any("\\x1b]0;pwned\\x07" in text for text in parsed.text)


def test_the_json_report_keeps_the_words_exactly_and_nothing_raw() -> None:
    report = hostile_report()
    by_id(report)[report["clauses"][0]["evidence"][0]]["response"]["body"] = {"message": f"{HOSTILE}\ud800"}
    written = render(report, ".json")
    assert not RAW.search(written)
    assert json.loads(written) == report
