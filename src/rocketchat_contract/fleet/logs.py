"""``--logs DIR``: checked before any run, as ``--report`` is, and filled with each target's redacted output."""

from __future__ import annotations

import tempfile
from pathlib import Path

from rocketchat_contract.fleet.runner import TargetRun

FLAG = "--logs"


class LogsFolderError(ValueError):
    """A --logs folder that cannot be used; the message is one line that names it."""


def check_logs_folder(folder: Path) -> None:
    """Check, before any target runs and without creating anything, that the logs can be written in ``folder``
    (or in the folder nearest to it that exists, where it will be created); raise LogsFolderError otherwise."""
    where = f"{FLAG} {folder}"
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path.cwd())
    if existing == folder and not folder.is_dir():
        raise LogsFolderError(f"{where}: that is a file; give a folder (each target's log is DIR/NAME.log)")
    if not existing.is_dir():
        raise LogsFolderError(f"{where}: {existing} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise LogsFolderError(f"{where}: cannot write in the folder {existing} ({exc.strerror})") from None


def keep_logs(folder: Path, runs: list[TargetRun]) -> None:
    """Write each target's redacted pytest output as ``folder/NAME.log``; raise LogsFolderError in one line."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LogsFolderError(f"{FLAG} {folder}: cannot create the folder ({exc.strerror})") from None
    for run in runs:
        path = folder / f"{run.spec.name}.log"
        try:
            path.write_text(run.output or f"{run.problem or 'no output'}\n", encoding="utf-8")
        except OSError as exc:
            raise LogsFolderError(f"{FLAG} {folder}: cannot write {path.name} ({exc.strerror})") from None
