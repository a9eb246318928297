"""Run a command in a child process whose address space is capped, and hostile files for the tests of the bounds.

A test of a bound must not take the machine down when the bound is missing: under the cap the child fails with a
MemoryError (a traceback, which the test then reports) instead of growing to gigabytes, and ``timeout`` ends it if
it spins without growing. The cap is set by a small launcher that then ``exec``s the command, since ``preexec_fn``
is unsafe in a process with threads (a pytest-xdist worker has some).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

from rocketchat_contract.contract.reader import REPORTS

MEMORY = 1 << 30
"""Address space of the child: several times what a refusal needs (a pytest run of the suite reserves about
400 MiB), a fifth of what the YAML bomb grew to before its refusal."""
TIMEOUT = 120.0
"""Only against a child that neither ends nor reaches the cap; a refusal takes well under a second plus start-up."""
_LAUNCHER = (
    "import os, resource, sys; limit = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_AS, (limit, limit)); os.execv(sys.argv[2], sys.argv[2:])"
)
COMMAND = [sys.executable, "-m", "rocketchat_contract.commands.main"]


def run_capped(argv: list[str], *, cwd: Path, memory: int = MEMORY) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (its first word an absolute executable) with at most ``memory`` bytes of address space."""
    return subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(memory), *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    """The non-empty lines the child wrote, standard output and error together."""
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


def yaml_bomb(top: str, levels: int = 9, width: int = 9) -> str:
    """``levels`` nested anchors of ``width`` aliases each (a "billion laughs"), the last one under ``top``:
    about 0.5 kB that a loader builds in microseconds and that expands to ``width ** levels`` values."""
    names = [f"l{n}" for n in range(levels)]
    text = [f"{names[0]}: &{names[0]} [{', '.join(['x'] * width)}]"]
    for previous, name in pairwise(names):
        text.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * width)}]")
    return "\n".join(text) + f"\n{top}: *{names[-1]}\n"


def deep_json(depth: int = 100_000) -> str:
    """A JSON document nested ``depth`` arrays deep."""
    return "[" * depth + "]" * depth


def deep_json_file(path: Path, depth: int = 100_000) -> Path:
    path.write_text(deep_json(depth), encoding="utf-8")
    return path


def sparse_file(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no room on disk (its size is all a cap may look at first)."""
    with path.open("wb") as stream:
        stream.truncate(size)
    return path


HOSTILE_REPORTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "100000-deep": (lambda folder: deep_json_file(folder / "deep.json"), "nested deeper than 128 levels"),
    "over-the-cap": (
        lambda folder: sparse_file(folder / "huge.json", REPORTS.max_bytes + 1),
        "larger than 1024 MiB (the cap for compliance and fleet reports)",
    ),
}
"""Report files no command may read, by name: how to make one in a folder, and the refusal it gets."""


def depth(value: Any) -> int:
    """How deeply a JSON value nests (a scalar: 0)."""
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0
