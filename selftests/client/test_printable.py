"""``printable``, the one escaping of server text: which characters it escapes, how, and that nothing raw is left."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rocketchat_contract.client.printable import CONTROLS, escaped_in_strings, printable

C0 = range(0x00, 0x20)
C1 = range(0x80, 0xA0)
DEL = 0x7F
BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
"""LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI."""


def test_the_escaped_set_is_every_c0_c1_control_del_and_bidirectional_override_or_isolate() -> None:
    assert set(CONTROLS) >= {*C0, DEL, *C1, *BIDI}
    assert {unicodedata.name(chr(point)) for point in BIDI} == {
        "LEFT-TO-RIGHT EMBEDDING",
        "RIGHT-TO-LEFT EMBEDDING",
        "POP DIRECTIONAL FORMATTING",
        "LEFT-TO-RIGHT OVERRIDE",
        "RIGHT-TO-LEFT OVERRIDE",
        "LEFT-TO-RIGHT ISOLATE",
        "RIGHT-TO-LEFT ISOLATE",
        "FIRST STRONG ISOLATE",
        "POP DIRECTIONAL ISOLATE",
    }
    others = set(CONTROLS) - {*C0, DEL, *C1, *BIDI}
    assert others == {0x2028, 0x2029, *range(0xD800, 0xE000)}, "line separators and lone surrogates besides"


@pytest.mark.parametrize(
    ("point", "escape"),
    [
        *((0x1B, "\\x1b"), (0x07, "\\x07"), (0x00, "\\x00"), (0x7F, "\\x7f"), (0x9B, "\\x9b"), (0x85, "\\x85")),
        *((0x09, "\\t"), (0x0A, "\\n"), (0x0D, "\\r"), (0x202E, "\\u202e"), (0x2066, "\\u2066"), (0xD800, "\\ud800")),
    ],
)
def test_each_is_written_as_its_python_style_escape(point: int, escape: str) -> None:
    assert printable(f"a{chr(point)}b") == f"a{escape}b"


def test_every_escaped_character_leaves_only_printable_ascii() -> None:
    for point in CONTROLS:
        shown = printable(chr(point))
        assert shown.startswith("\\") and shown.isascii() and shown.isprintable(), hex(point)


def test_what_a_terminal_would_obey_is_shown_instead() -> None:
    hostile = "Denied\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eexe.txt"
    assert printable(hostile) == "Denied\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202eexe.txt"


def test_ordinary_text_is_left_alone() -> None:
    text = "401 [application/json] {\"error\": \"Zugriff verweigert — 拒否\"} 😀 ![](//e.co) <b>"
    assert printable(text) == text


def test_line_breaks_stay_when_asked_and_nothing_else_does() -> None:
    assert printable("one\ntwo\t\x1b", lines=True) == "one\ntwo\\t\\x1b"
    assert printable("one\ntwo") == "one\\ntwo"


@given(st.text())
def test_escaping_twice_changes_nothing_more_and_leaves_nothing_raw(text: str) -> None:
    once = printable(text)
    assert printable(once) == once
    assert not set(map(ord, once)) & set(CONTROLS)


@given(st.text())
def test_escaped_json_parses_to_the_same_value_with_nothing_raw(text: str) -> None:
    document = escaped_in_strings(json.dumps({"body": text, "list": [text]}, indent=2, ensure_ascii=False))
    assert json.loads(document) == {"body": text, "list": [text]}
    assert not set(map(ord, document)) & (set(CONTROLS) - {0x0A})
