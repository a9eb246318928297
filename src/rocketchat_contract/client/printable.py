"""Server text made safe to show: every character that could act on a terminal or reorder what a reader sees
is written as an escape instead.

A server's bodies, header values, reasons and version string reach the verdict table, pytest's failure text,
JUnit XML and the reports. Written raw, ``ESC ]0;title BEL`` retitles the operator's terminal, ``ESC [2J`` clears
it, and a right-to-left override makes ``evil.exe`` read otherwise. ``printable`` is the one function that
escapes them, wherever server text is shown; the JSON report keeps the raw evidence and escapes the same
characters as its strings' own escapes (``escaped_in_strings``), so re-judging it sees the exact words.
"""

from __future__ import annotations

CONTROLS = (
    *range(0x00, 0x20),  # C0
    *range(0x7F, 0xA0),  # DEL, C1
    *range(0x202A, 0x202F),  # bidirectional embeddings and overrides
    *range(0x2066, 0x206A),  # bidirectional isolates
    0x2028,  # line and paragraph separators: line breaks to some viewers
    0x2029,
    *range(0xD800, 0xE000),  # lone surrogates (a JSON body's "\ud800"): no encoding can print them
)
"""The code points ``printable`` escapes."""

_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(point: int) -> str:
    char = chr(point)
    if char in _SHORT:
        return _SHORT[char]
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


_TABLE = {point: _escape(point) for point in CONTROLS}
_TABLE_KEEPING_LINES = {**_TABLE, ord("\n"): "\n"}


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` with every character of ``CONTROLS`` written as a Python-style escape (``\\x1b``, ``\\u202e``,
    ``\\n``); with ``lines``, a line break stays one (for a multi-line detail whose server parts are escaped
    already). Escaping twice changes nothing more: an escape is plain text."""
    return text.translate(_TABLE_KEEPING_LINES if lines else _TABLE)


_JSON_TABLE = {point: f"\\u{point:04x}" for point in CONTROLS if point >= 0x20}


def escaped_in_strings(text: str) -> str:
    """A JSON text written with ``ensure_ascii=False`` (or YAML whose strings holding them are double-quoted) with
    the ``CONTROLS`` it still holds raw (JSON escapes only C0 itself, YAML leaves the bidirectional set) written as
    ``\\uXXXX`` escapes, which both read inside a string: it parses to the very same value, and shows nothing
    raw. Outside its strings such a text holds none of them."""
    return text.translate(_JSON_TABLE)
