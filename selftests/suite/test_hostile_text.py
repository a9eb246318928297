"""Server text is shown, never obeyed: the suite run against every hostile-text fault of the reference server.

Each fault serves terminal control sequences or Markdown/HTML in one place (a non-JSON 401 or 403, a JSON 401's
message, response headers, the version /api/info reports). At default verbosity, ``-vv`` and ``-l --tb=long`` no
output or file holds a raw control character (pytest's own line breaks aside), the Markdown report read by a
CommonMark renderer (tables and linkify on) has no image, link or HTML made of server text, the HTML report no
tag, and the JSON report still holds the server's words exactly as sent (re-judging reads them).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from suite_runner import OPERATION, SuiteResult, prepare, run_suite

from rocketchat_contract.client.printable import CONTROLS, printable
from rocketchat_contract.reference import FAULTS, Fault, Knobs, ReferenceServer
from rocketchat_contract.reports.observations import resolved

HOSTILE = sorted(name for name, fault in FAULTS.items() if fault.kind == "hostile-text")
RC_VERSION = ("--rc-version", "8.8.1")
"""A reported version that is no version stops the run (exit 4) unless the operator names the release."""
CASES = [
    *(pytest.param(name, (), id=name) for name in HOSTILE),
    *(pytest.param(name, RC_VERSION, id=f"{name}-rc-version") for name in HOSTILE if "-version-" in name),
]
VERBOSITY = {"default": (), "vv": ("-vv",), "locals": ("-l", "--tb=long")}

RAW = re.compile("[" + "".join(re.escape(chr(point)) for point in CONTROLS if chr(point) not in "\n\t") + "]")
"""A raw control character, bidirectional override or isolate, line separator or lone surrogate; pytest frames its
output with line breaks (and a tab here and there), which are no server's."""
PAYLOAD_DOMAIN = "e.co"
OWN_HTML = re.compile(r"<details><summary>Evidence \(\d+ exchanges?\)</summary>\n?|</details>\n?")
"""The only HTML the Markdown report writes itself: a finding's collapsed evidence."""
PAGE_TAGS = {
    *("html", "head", "meta", "title", "style", "body", "header", "main", "section", "footer", "div", "span"),
    *("strong", "a", "code", "pre", "p", "h1", "h2", "h3", "h4", "dl", "dt", "dd", "ul", "li", "details", "summary"),
    *("table", "thead", "tbody", "tr", "th", "td", "svg", "path", "circle"),
}
"""Every tag the compliance report's template writes: none of the payload's (img, b) may appear."""


def payload(fault: Fault) -> str:
    """The hostile text a fault serves, as the server sends it."""
    if fault.hostile is not None:
        return str(fault.hostile.get("version") or fault.hostile["headers"]["Server"])
    assert fault.rewrite is not None
    then = fault.rewrite["then"]
    if "set" in then:
        return str(then["set"]["/message"])
    if then["content_type"] == "application/json":
        return str(json.loads(then["raw_body"])["message"])
    return str(then["raw_body"])


def expected_status(name: str, args: tuple[str, ...]) -> int:
    if "-version-" in name:
        return 0 if args else 4
    return 0 if "-header-" in name else 1


@pytest.fixture(scope="module")
def markdown_it() -> MarkdownIt:
    """CommonMark with GFM's tables and bare-link recognition (linkify), as GitHub and GitLab render a comment."""
    return MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"])


def _tokens(tokens: list[Token]) -> list[Token]:
    return [t for token in tokens for t in (token, *_tokens(token.children or []))]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _run(
    pytester: pytest.Pytester,
    server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
    *args: str,
) -> SuiteResult:
    prepare(monkeypatch, server, "8.8", Knobs(operation=OPERATION, faults=frozenset({fault})))
    return run_suite(pytester, "--color=no", *args, base_url=server.url, extra_files=True)


@pytest.mark.parametrize("verbosity", VERBOSITY)
@pytest.mark.parametrize(("fault", "args"), CASES)
def test_server_text_is_shown_never_obeyed(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    markdown_it: MarkdownIt,
    fault: str,
    args: tuple[str, ...],
    verbosity: str,
) -> None:
    result = _run(pytester, reference_server, monkeypatch, fault, *args, *VERBOSITY[verbosity])
    assert result.ret == expected_status(fault, args), result.text()
    junit, pytest_html = result.files[3:]
    outputs = {"terminal": result.text(), **{p.name: p.read_text(encoding="utf-8") for p in result.files}}
    for where, text in outputs.items():
        raw = sorted({f"U+{ord(c):04X}" for c in RAW.findall(text)})
        assert not raw, f"{fault}: raw {raw} in the {where}"
    ET.parse(junit)
    _evidence_kept_exactly(result, FAULTS[fault], args)
    _markdown_has_no_markup_of_the_server(markdown_it, outputs["report.md"], FAULTS[fault])
    _page_has_no_tag_of_the_server(outputs["report.html"], FAULTS[fault])
    assert pytest_html.exists()


def _evidence_kept_exactly(result: SuiteResult, fault: Fault, args: tuple[str, ...]) -> None:
    """The JSON report holds the server's words as sent, for re-judging; its sentences hold them escaped."""
    report = result.report
    assert report is not None
    sentences = [
        *(c["detail"] for c in report["clauses"]),
        *(p["detail"] for c in report["clauses"] for p in c["probes"]),
        *report["notes"],
        report.get("aborted") or "",
    ]
    assert not [s for s in sentences if RAW.search(s)]
    sent = payload(fault)
    said = "\n".join(sentences)
    if fault.hostile and "version" in fault.hostile:
        assert (printable(sent) if args else repr(sent)[1:-1]) in said
        return
    responses = [e["response"] for c in resolved(report)["clauses"] for e in c["evidence"] if e["response"]]
    if fault.hostile:
        assert any(r["headers"].get("Server", "").endswith(sent) for r in responses)
        return
    # A JSON body that is not I-JSON (the lone surrogate) is kept as its whole text, which parses to what was judged.
    bodies = [
        json.loads(r["body"]) if r.get("format") == "text" and r["body"].startswith("{") else r["body"]
        for r in responses
    ]
    assert sent in bodies or any(isinstance(b, dict) and b.get("message") == sent for b in bodies)
    assert "Denied" in said


SHOWN = {
    "hostile-401-message-controls": "\\u001b]0;pwned\\u0007",
    **dict.fromkeys(("hostile-401-text-controls", "hostile-403-text-controls"), "\\x1b]0;pwned\\x07"),
    "hostile-version-controls": "\\x1b]0;pwned\\x07",
    **{name: "![](//e.co)" for name in HOSTILE if name.endswith("-markup") and "-header-" not in name},
}
"""What the Markdown report shows of each fault's payload, in code; it shows no header."""
SERVER_WORDS = ("//e.co", "www.e.co", "pwned", "onerror", "Denied")


def _markdown_has_no_markup_of_the_server(markdown_it: MarkdownIt, markdown: str, fault: Fault) -> None:
    tokens = _tokens(markdown_it.parse(markdown))
    assert not [t for t in tokens if t.type == "image"]
    links = [str(t.attrGet("href")) for t in tokens if t.type == "link_open"]
    assert not [href for href in links if PAYLOAD_DOMAIN in href], links
    html = [t.content for t in tokens if t.type in ("html_inline", "html_block")]
    assert all(OWN_HTML.fullmatch(block) for block in html), html
    prose = [t.content for t in tokens if t.type == "text"]
    assert not [text for text in prose if any(word in text for word in SERVER_WORDS)], "server words outside code"
    if fault.name in SHOWN:
        quoted = [t.content for t in tokens if t.type in ("code_inline", "fence")]
        assert any(SHOWN[fault.name] in text for text in quoted), "the server's words should be shown, as code"


def _page_has_no_tag_of_the_server(page: str, fault: Fault) -> None:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert {tag for tag, _ in parser.tags} <= PAGE_TAGS
    assert not [attrs for _, attrs in parser.tags if any("onerror" in f"{k}={v}" for k, v in attrs)]
    if "markup" in fault.name:
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_every_hostile_fault_no_clause_judges_is_pinned_here() -> None:
    """The catalogue scores faults that break a clause; a hostile fault that breaks none is run here instead."""
    unscored = {name for name, fault in FAULTS.items() if fault.clause is None}
    assert unscored and unscored <= set(HOSTILE)


def test_a_rejudged_report_prints_its_notes_escaped(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A report is a file, hostile as a server: ``rejudge`` prints its notes (kept from the file) escaped."""
    from rocketchat_contract.commands.main import main

    result = _run(pytester, reference_server, monkeypatch, "hostile-version-controls", *RC_VERSION)
    report: dict[str, Any] = dict(result.report or {})
    report["notes"] = [*report["notes"], "planted \x1b]0;pwned\x07\x9b2J\u202e note"]
    saved = tmp_path / "planted.json"
    saved.write_text(json.dumps(report), encoding="utf-8")
    capture = pytester.path / "rejudged.txt"
    with capture.open("w", encoding="utf-8") as stream, monkeypatch.context() as patched:
        patched.setattr("sys.stdout", stream)
        main(["rejudge", str(saved)])
    printed = capture.read_text(encoding="utf-8")
    assert "note: planted \\x1b]0;pwned\\x07\\x9b2J\\u202e note" in printed
    assert not RAW.search(printed)
