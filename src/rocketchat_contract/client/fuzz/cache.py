"""The generated requests of a run kept in a file, so that the next run with the same inputs sends them again
without drawing them again (Hypothesis's engine and its scan of local modules cost a run about 0.2 s).

What a draw yields depends on the fragment as the run loads it (with its --extra-drift entries), the seed and the
number of examples, the versions of Python, Hypothesis, schemathesis and the suite, the source of the suite's
drawing modules, and the local (not installed) modules loaded when it runs, from which Hypothesis sometimes picks a
constant. All of them go into a file's key, so a file is only ever used where a fresh draw would yield the same
requests. A file is read with a cap, parsed as JSON, checked against ``cache/drawn.schema.json`` and its key
compared; anything else is ignored and replaced by a fresh draw. A folder that cannot be read or written only means
that the run draws, as it would without a cache.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import importlib.metadata
import json
import os
import stat
import sys
import sysconfig
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rocketchat_contract.client.fuzz.config import Fuzz
from rocketchat_contract.client.fuzz.pairs import REFS, HostilePair, Value

FORMAT = "rocketchat-contract drawn requests 1"
SCHEMA = "cache/drawn.schema.json"
FOLDER_NAME = "rocketchat-contract"
MAX_BYTES = 16 * 1024 * 1024
"""The largest file read or written; a larger draw (many --fuzz-examples) is drawn every run instead."""
KEEP = 16
"""Files kept in the folder (one per fragment, seed and number of examples), the most recently used ones."""
_READ: dict[Path, tuple[tuple[int, int, int, int] | None, Stored]] = {}
"""The files this process read, with what told them apart then."""
DRAWING_SOURCES = (Path(__file__).parent, Path(__file__).parents[1] / "probes.py")
"""The suite's drawing code (the fuzz package, and the probes' hostile values): part of the key even when the
suite is installed (an editable install keeps its version while its code changes)."""


@dataclass(frozen=True)
class CaseData:
    """A schemathesis case as the file keeps it: its operation, method and headers (the fragment's only parameters)."""

    operation: str
    """The operation's label (``GET /api/v1/getImportProgress``): other methods are sent on it too."""
    method: str
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Stored:
    """Every generated request of a run as drawn, before any credential is resolved."""

    cases: list[CaseData]
    batches: list[list[HostilePair]]


def user_folder(environ: Mapping[str, str]) -> Path | None:
    """The suite's folder in the user's cache (XDG_CACHE_HOME, else ~/.cache), or None without a home."""
    configured = environ.get("XDG_CACHE_HOME", "")
    if configured and Path(configured).is_absolute():
        return Path(configured) / FOLDER_NAME
    try:
        return Path.home() / ".cache" / FOLDER_NAME
    except RuntimeError:  # no HOME and no password entry
        return None


def key(document: Mapping[str, Any], fuzz: Fuzz) -> str:
    """The hash of everything a draw's outcome depends on (see the module's docstring)."""
    from rocketchat_contract import __version__

    material = {
        "format": FORMAT,
        "fragment": document,
        "seed": fuzz.seed,
        "examples": fuzz.examples,
        "versions": [sys.version, _installed("hypothesis"), _installed("schemathesis"), __version__],
        "sources": _sources(),
    }
    text = json.dumps(material, sort_keys=True, ensure_ascii=True, default=repr)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _installed(distribution: str) -> str:
    """A drawing library's installed version, read from its metadata rather than by importing it (a cache hit never
    needs Hypothesis, and schemathesis only later, overlapped with the network)."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _sources() -> list[tuple[str, int, int]]:
    """Name, size and modification time of the drawing modules and of every loaded module that is not installed
    (Hypothesis reads constants from those; a file it would not read only costs a cache miss when it changes)."""
    installed = tuple({sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")})
    files = {str(path) for folder in DRAWING_SOURCES for path in (folder.glob("*.py") if folder.is_dir() else [folder])}
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and "/site-packages/" not in file and not file.startswith(installed):
            files.add(file)
    signatures = []
    for file in sorted(files):
        try:
            found = os.stat(file)
        except OSError:
            signatures.append((file, -1, -1))
        else:
            signatures.append((file, found.st_size, found.st_mtime_ns))
    return signatures


def _path(folder: Path, drawn_key: str) -> Path:
    return folder / f"drawn-{drawn_key[:32]}.json"


def read(folder: Path, drawn_key: str) -> Stored | None:
    """The requests kept under ``drawn_key``, or None when there is no usable file (missing, too large, not the
    document, another key). A file this process read already, unchanged since, is not parsed again: the fleet's
    workers run many targets each."""
    path = _path(folder, drawn_key)
    known = _READ.get(path)
    if known is not None and known[0] == _signature(path):
        return known[1]
    try:
        raw = _read_capped(path)
    except OSError:
        return None
    if raw is None:
        return None
    try:
        document = json.loads(raw.decode("utf-8"))
        stored = _decoded(document, drawn_key)
    except (ValueError, RecursionError, KeyError, TypeError):  # JSON, UTF-8 and base64 errors are ValueErrors
        return None
    if stored is not None:
        with contextlib.suppress(OSError):
            os.utime(path)  # kept among the KEEP most recently used
        _READ[path] = (_signature(path), stored)
    return stored


def _signature(path: Path) -> tuple[int, int, int, int] | None:
    """What tells a file apart from a replaced or rewritten one (None: there is none)."""
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


def _read_capped(path: Path) -> bytes | None:
    """At most MAX_BYTES of a regular file (never a pipe or device, which could block or never end)."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            return None
        raw = file.read(MAX_BYTES + 1)
    return None if len(raw) > MAX_BYTES else raw


def _decoded(document: Any, drawn_key: str) -> Stored | None:
    from rocketchat_contract.contract.schemas import store

    if not store().is_valid(SCHEMA, document) or document["key"] != drawn_key:
        return None
    cases = [CaseData(c["operation"], c["method"], tuple((n, v) for n, v in c["headers"])) for c in document["cases"]]
    batches = [[HostilePair(_value(p["user_id"]), _value(p["token"])) for p in batch] for batch in document["batches"]]
    return Stored(cases, batches)


def _value(encoded: dict[str, str] | None) -> Value:
    if encoded is None:
        return None
    if "text" in encoded:
        return encoded["text"]
    if "bytes" in encoded:
        try:
            return base64.b64decode(encoded["bytes"], validate=True)
        except binascii.Error as exc:
            raise ValueError(str(exc)) from None
    if encoded["ref"] not in REFS:
        raise ValueError(f"unknown credential {encoded['ref']!r}")
    return REFS[encoded["ref"]]


def _encoded(value: Value) -> dict[str, str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return {"text": value}
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode("ascii")}
    return {"ref": value.name}


def write(folder: Path, drawn_key: str, stored: Stored) -> None:
    """Keep ``stored`` under ``drawn_key`` (atomically: a concurrent run reads the old file or the new one), and
    keep only the KEEP most recently used files. Nothing is raised: a run never fails for its cache."""
    document = {
        "format": FORMAT,
        "key": drawn_key,
        "cases": [
            {"operation": c.operation, "method": c.method, "headers": [list(h) for h in c.headers]}
            for c in stored.cases
        ],
        "batches": [
            [{"user_id": _encoded(p.user_id), "token": _encoded(p.token)} for p in batch] for batch in stored.batches
        ],
    }
    raw = json.dumps(document, ensure_ascii=True).encode("ascii")
    if len(raw) > MAX_BYTES:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".drawn-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(raw)
        os.replace(temporary, _path(folder, drawn_key))
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        return
    _prune(folder)


def _prune(folder: Path) -> None:
    """Remove all but the KEEP most recently used files (another run may be pruning too: nothing is raised)."""
    with contextlib.suppress(OSError):
        used = sorted(((p.stat().st_mtime_ns, p) for p in folder.glob("drawn-*.json")), reverse=True)
        for _, old in used[KEEP:]:
            old.unlink(missing_ok=True)
