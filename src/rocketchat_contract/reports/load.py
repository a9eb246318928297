"""The one checked-JSON loader: read a document a run wrote (a compliance report, a fleet report) and check it
against its schema, so every command refuses a bad file in one line rather than failing halfway through it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rocketchat_contract.contract.schemas import store


class DocumentError(ValueError):
    """A JSON file that is missing, unreadable, not JSON, or not the document its schema describes; one line."""


def load_checked(path: Path, schema: str, kind: str, error: type[ValueError] = DocumentError) -> dict[str, Any]:
    """Read the JSON document at ``path`` and check it against ``schema``; ``kind`` names it in errors
    ("a compliance report"), raised as ``error`` (a caller's own one-line error class)."""
    try:
        return _load(path, schema, kind)
    except DocumentError as exc:
        raise error(str(exc)) from None


def _load(path: Path, schema: str, kind: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(f"{path}: cannot read it ({_one_line(str(exc))})") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise DocumentError(f"{path}: not JSON ({_one_line(str(exc))})") from None
    try:
        problem = store().problem(schema, document)
    except (KeyError, ValueError) as exc:
        raise DocumentError(f"cannot load the schema {schema}: {_one_line(str(exc))}") from None
    if problem:
        raise DocumentError(f"{path}: not {kind} ({_one_line(problem)})")
    return dict(document)


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
