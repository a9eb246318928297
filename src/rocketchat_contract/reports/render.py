"""Render a report document as JSON, Markdown or HTML, chosen by the file name's extension, and write it where asked."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rocketchat_contract.client.printable import escaped_in_strings

Renderer = Callable[[dict[str, Any]], str | Iterable[str]]
"""A document as text, whole or in pieces (a fleet page of thousands of targets is written as it is generated)."""
JSON_CHUNK = 1 << 16


@dataclass(frozen=True)
class Renderers:
    """How one kind of document (a compliance report, a fleet report) is written as Markdown and as HTML."""

    markdown: Renderer
    html: Renderer


def _json_chunks(document: dict[str, Any]) -> Iterator[str]:
    """The document as JSON, non-ASCII text as it is, but nothing a terminal or a reader's eye would obey
    (``escaped_in_strings``): the evidence parses back exactly as the server sent it. In pieces of about
    JSON_CHUNK characters, so that a fleet of thousands is written without its whole text in memory."""
    pending: list[str] = []
    size = 0
    for piece in json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(document):
        pending.append(piece)
        size += len(piece)
        if size >= JSON_CHUNK:
            yield escaped_in_strings("".join(pending))
            pending, size = [], 0
    yield escaped_in_strings("".join(pending)) + "\n"


def _pieces(text: str | Iterable[str]) -> Iterable[str]:
    return [text] if isinstance(text, str) else text


FORMATS: dict[str, Callable[[Renderers, dict[str, Any]], Iterable[str]]] = {
    ".json": lambda kind, document: _json_chunks(document),
    ".md": lambda kind, document: _pieces(kind.markdown(document)),
    ".html": lambda kind, document: _pieces(kind.html(document)),
}
"""The report formats by extension, for compliance reports and fleet reports alike; JSON is the document itself."""
_NAMES = f"{', '.join(list(FORMATS)[:-1])} or {list(FORMATS)[-1]}"


class ReportWriteError(ValueError):
    """A report that cannot be written where asked; the message is one line that names the file."""


def check_report_path(text: str, flag: str) -> tuple[Path, str | None]:
    """Check, before any traffic, that a report can be written at ``text`` (given with ``flag``); create its
    folder if need be. Return the path and a note when a folder was created; raise ReportWriteError otherwise."""
    path = Path(text)
    where = f"{flag} {text}"
    if path.suffix.lower() not in FORMATS:
        raise ReportWriteError(f"{where}: the name must end in {_NAMES}")
    if path.is_dir():
        raise ReportWriteError(f"{where}: that is a folder; expected a file name ending in {_NAMES}")
    folder = path.parent
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise ReportWriteError(f"{where}: {existing} is a file, not a folder")
    note = None
    if not folder.exists():
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise ReportWriteError(f"{where}: cannot create the folder {folder} ({exc.strerror})") from None
        note = f"created the folder {folder} for {path.name}"
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ReportWriteError(f"{where}: cannot write in the folder {folder} ({exc.strerror})") from None
    if path.exists() and not os.access(path, os.W_OK):
        raise ReportWriteError(f"{where}: the file exists and is not writable")
    return path, note


def pieces_as(document: dict[str, Any], suffix: str, kind: Renderers) -> Iterable[str]:
    """``document`` in the format ``suffix`` names, written by ``kind``'s renderers, in pieces."""
    if suffix not in FORMATS:
        raise ValueError(f"no report format for {suffix!r} (known: {', '.join(FORMATS)})")
    return FORMATS[suffix](kind, document)


def render_as(document: dict[str, Any], suffix: str, kind: Renderers) -> str:
    """``document`` in the format ``suffix`` names, written by ``kind``'s renderers."""
    return "".join(pieces_as(document, suffix, kind))


def _report_markdown(report: dict[str, Any]) -> str:
    from rocketchat_contract.reports.markdown import render_markdown

    return render_markdown(report)


def _report_html(report: dict[str, Any]) -> str:
    from rocketchat_contract.reports.html import render_html

    return render_html(report)


COMPLIANCE_REPORT = Renderers(markdown=_report_markdown, html=_report_html)
"""A compliance report's renderers; they load only when asked for (a run that writes JSON needs no Jinja2)."""


def render(report: dict[str, Any], suffix: str) -> str:
    """A compliance report in the format ``suffix`` names."""
    return render_as(report, suffix, COMPLIANCE_REPORT)


def write_as(paths: Iterable[Path], document: dict[str, Any], kind: Renderers) -> None:
    """Write ``document`` to each path in the format of its extension, by ``kind``'s renderers, creating folders as
    needed.

    Each file is written whole or not at all (a full disk leaves the previous report, not half of one);
    a file that could not be written raises ReportWriteError once every other file has been written."""
    failed = []
    for path in paths:
        try:
            _replace(path, pieces_as(document, path.suffix.lower(), kind))
        except OSError as exc:
            failed.append(f"{path} ({exc.strerror or exc})")
    if failed:
        raise ReportWriteError(f"could not write the report {', '.join(failed)}")


def _replace(path: Path, pieces: Iterable[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with partial.open("w", encoding="utf-8") as file:
            for piece in pieces:
                file.write(piece)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
