"""A fleet of reference servers run whole and as three shards: the merged shards are the whole fleet's report (times
aside); and what the fleet prints on a terminal (a pty) and in a log (a pipe)."""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reference_fleet import Member, ReferenceFleet
from suite_runner import OPERATION

from rocketchat_contract.commands.main import main
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.fleet.shard import shard_of
from rocketchat_contract.reference import Knobs

SHARDS = 3
RUN_FIELDS = {
    *("started_at", "finished_at", "duration_s", "peak_rss_mb", "elapsed_ms"),
    "X-Schemathesis-TestCaseId",
    "X-Auth-Token",
    "X-RateLimit-Remaining",
    "digest",
}
"""What differs between any two runs of the same servers, sharded or not: when, how long, how much memory; the id
schemathesis gives each generated request and the wrong token a probe makes up, both drawn afresh every run; the
rate limiter's count, as the second run meets the limiter the first one used; and the report's digest, a hash over
all of these."""
HOSTILE = "hostile-version-controls"


def members() -> list[Member]:
    return [
        Member("rc-8.8", "8.8", Knobs(operation=OPERATION)),
        Member("rc-7.3", "7.3", Knobs(operation=OPERATION)),
        Member("rc-3.18", "3.18", Knobs(operation=OPERATION)),
        Member("broken", "8.8", Knobs(operation=OPERATION, faults=frozenset({"skip-permission-check"}))),
        Member("unreachable"),
    ]


def without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_times(item) for key, item in value.items() if key not in RUN_FIELDS}
    if isinstance(value, list):
        return [without_times(item) for item in value]
    return value


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two documents differ, as paths (for a failure message that says where, not just that)."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b))
        return [d for k in keys for d in differences(a.get(k), b.get(k), f"{path}/{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}/{i}")]
    return [] if a == b else [f"{path}: {str(a)[:80]!r} != {str(b)[:80]!r}"]


@contextlib.contextmanager
def environment(fleet: ReferenceFleet) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in [n for n in os.environ if n.startswith("RC_")]:
            monkeypatch.delenv(name)
        for name, value in fleet.environment().items():
            monkeypatch.setenv(name, value)
        yield


def fleet_command(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = main(["fleet", *argv])
    return status, out.getvalue()


def test_the_merged_shards_are_the_whole_fleets_report(tmp_path: Path) -> None:
    names = [m.name for m in members()]
    assert len({shard_of(name, SHARDS) for name in names}) > 1, "the members all fall in one shard: rename one"
    with ReferenceFleet(members()) as fleet, environment(fleet):
        fleet_yaml = fleet.fleet_file(tmp_path / "fleet.yaml")
        whole = tmp_path / "whole.json"
        status, terminal = fleet_command(str(fleet_yaml), "--report", str(whole))
        assert status == 1, terminal
        assert terminal.startswith(f"plan: {len(names)} targets in fleet.yaml, all of them; --jobs ")
        parts = []
        for index in range(1, SHARDS + 1):
            parts.append(tmp_path / f"shard-{index}.json")
            status, terminal = fleet_command(
                str(fleet_yaml), "--shard", f"{index}/{SHARDS}", "--report", str(parts[-1])
            )
            held = [n for n in names if shard_of(n, SHARDS) == index]
            assert terminal.startswith(f"plan: {len(names)} targets in fleet.yaml, {len(held)} in shard {index}/3;")
            shard = json.loads(parts[-1].read_text())
            assert store().problem("fleet/fleet-report.schema.json", shard) is None
            assert [t["name"] for t in shard["targets"]] == held
            assert shard["shard"]["positions"] == [names.index(n) + 1 for n in held]
    merged = tmp_path / "merged.json"
    status, terminal = fleet_command("--merge", *map(str, reversed(parts)), "--report", str(merged))
    assert status == 1, terminal
    merged_document, whole_document = (without_times(json.loads(p.read_text())) for p in (merged, whole))
    assert not (found := differences(merged_document, whole_document)), "\n".join(found)
    assert merged_document == whole_document
    status, terminal = fleet_command("--merge", *map(str, parts[:-1]), "--report", str(tmp_path / "no.json"))
    assert status == 4 and f"shard {SHARDS}/{SHARDS}" in terminal and "is missing" in terminal


PTY_MEMBERS = [
    Member("plain", "8.8", Knobs(operation=OPERATION)),
    Member("hostile", "8.8", Knobs(operation=OPERATION, faults=frozenset({HOSTILE}))),
    Member("nobody-1"),
    Member("nobody-2"),
]
"""More than LIVE_MIN_TARGETS, so a terminal gets the live line; one reports a version full of control sequences."""
OWN_ESCAPE = "\r\x1b[2K"
"""The only sequence the fleet itself writes: back to the line's start, and clear it."""
DEADLINE = 120.0


def _command(fleet_yaml: Path) -> list[str]:
    """Two at a time: targets still run after the first have finished, so a line with a rate is always drawn."""
    return [sys.executable, "-m", "rocketchat_contract.commands.main", "fleet", str(fleet_yaml), "--jobs", "2"]


def _under_pty(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``argv`` with a pseudo-terminal 200 columns wide as its stdout and stderr; its exit status and output."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + DEADLINE
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1.0)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not data:
                break
            chunks.append(data)
        status = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    return status, b"".join(chunks).decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def pty_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], dict[str, str]]]:
    folder = tmp_path_factory.mktemp("pty-fleet")
    with ReferenceFleet(PTY_MEMBERS) as fleet:
        env = {name: value for name, value in os.environ.items() if not name.startswith("RC_")}
        env.update(fleet.environment(), NO_COLOR="1", COLUMNS="200")
        yield _command(fleet.fleet_file(folder / "fleet.yaml")), env


def test_a_terminal_gets_a_live_progress_line_and_no_escape_but_its_own(
    pty_fleet: tuple[list[str], dict[str, str]],
) -> None:
    argv, env = pty_fleet
    status, output = _under_pty(argv, env)
    assert status == 4, output
    output = output.replace("\r\n", "\n")  # the terminal's own line discipline
    rate = r"(\r\x1b\[2K|\n)\d/4 done in \d+ s, [\d.]+ targets/min, about \d+ s left; running \d"
    assert re.search(rate, output), output
    assert "\r\x1b[2K0/4 done in" in output, output  # redrawn in place
    assert re.search(r"(^|\n)0/4 done in 0 s, about \d+ s left \(planned\); running \d", output), output
    bare = output.replace(OWN_ESCAPE, "")
    injected = [c for c in ("\x1b", "\x07", "\x9b", "\x7f", "\u202e", "\u2066", "\r") if c in bare]
    assert injected == [], output
    assert "8.8.1\\x1b]0;pwned\\x07\\x1b[2J\\x9b1m\\x7f\\u202eevil\\u2066" in bare


def test_a_log_gets_no_progress_redraw(pty_fleet: tuple[list[str], dict[str, str]]) -> None:
    argv, env = pty_fleet
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=DEADLINE)
    assert result.returncode == 4, result.stdout + result.stderr
    assert result.stdout.startswith("plan: 4 targets in fleet.yaml, all of them; --jobs 2")
    assert "\r" not in result.stdout and "\x1b" not in result.stdout
    assert " done in " not in result.stdout  # a run this short is under the 30 s heartbeat
    assert re.search(r"\[4/4\] \S+ ", result.stdout)
