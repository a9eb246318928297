"""What a report was judged with: the suite version and a content hash of its contract data and local drift files.

Two installations with the same ``registry`` judge the same evidence alike; ``rocketchat-contract verify``
re-judges only under the registry a report names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from rocketchat_contract import __version__
from rocketchat_contract.contract.data import contracts_dir, schemas_dir
from rocketchat_contract.contract.reader import DRIFT_FILES

_CHUNK = 1 << 20


def tree_hash(*folders: Path) -> str:
    """sha256 over every file's path (relative to its folder's parent) and content, in sorted order."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(path.relative_to(folder.parent).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@cache
def shipped_hash() -> str:
    """The content hash of the shipped ``contracts/`` and ``schemas/``."""
    return tree_hash(contracts_dir(), schemas_dir())


def file_hash(path: Path | str) -> str | None:
    """The sha256 of a local drift file, or None if it cannot be read or is larger than a drift file may be (a
    report names these files, so ``verify`` must not read whatever it names without end: ``/dev/zero``)."""
    digest, left = hashlib.sha256(), DRIFT_FILES.max_bytes + 1
    try:
        with Path(path).open("rb") as stream:
            while left and (chunk := stream.read(min(left, _CHUNK))):
                digest.update(chunk)
                left -= len(chunk)
    except OSError:
        return None
    return digest.hexdigest() if left else None


def registry(extra_drift: Sequence[Path | str] = ()) -> dict[str, Any]:
    """The report's ``registry``: suite version, data hash and each --extra-drift file with its hash."""
    return {
        "suite_version": __version__,
        "data_sha256": shipped_hash(),
        "extra_drift": [{"path": str(path), "sha256": file_hash(path)} for path in extra_drift],
    }
