"""Hostile servers cannot exhaust the run: a 500 MiB answer is cut at the cap (a violation, in little memory), and
an answer that drips one byte at a time ends at the request deadline (the target cannot be tested, exit 4).

The oversized run is a child process whose peak memory is its own high-water mark (``VmHWM``), read from /proc
while it runs; its ``ru_maxrss`` would not do: Linux counts in it the parent's memory at the fork, and an
xdist worker that has run the suite in-process a hundred times is itself some 200 MB. The child is stopped if
it grows past ``GUARD_MB``: a regression must fail this test, not the machine.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from suite_runner import SUITE, prepare, run_suite

from rocketchat_contract.reference import Knobs, Operation, ReferenceServer

OPERATION = Operation.parse("csv:importer_done:10/10")
LIMIT_MB = 200
GUARD_MB = 1024
"""Past this the child is killed: the run is far over its limit already."""
RUN_TIMEOUT = 300.0


def _memory_mb(pid: int) -> dict[str, float]:
    """A process's resident memory now (``VmRSS``) and its peak so far (``VmHWM``), in MB; empty once it ended."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    fields = (line.split() for line in status.splitlines() if line.startswith(("VmRSS:", "VmHWM:")))
    return {name.rstrip(":"): int(kb) / 1024 for name, kb, *_ in fields}


def _run_child(argv: list[str], log: Path) -> tuple[int, float, str, bool]:
    """Run ``argv`` to its end, its output into ``log``; its exit status, peak RSS in MB, output, and whether the
    guard stopped it."""
    with log.open("wb") as out, subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT) as child:
        guarded, peak = False, 0.0
        started = time.monotonic()
        while child.poll() is None:
            memory = _memory_mb(child.pid)
            peak = max(peak, memory.get("VmHWM", 0.0))
            if memory.get("VmRSS", 0.0) > GUARD_MB or time.monotonic() - started > RUN_TIMEOUT:
                guarded = True
                child.kill()
            time.sleep(0.05)  # polling a child process: there is no event to wait for
    return int(child.returncode), peak, log.read_text(encoding="utf-8", errors="replace"), guarded


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="the peak memory is read from /proc (Linux)")
def test_a_500_mib_answer_is_a_violation_read_in_little_memory(
    reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server = prepare(
        monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION, faults=frozenset({"hostile-oversized-body"}))
    )
    argv = [sys.executable, "-m", "pytest", str(SUITE), "-p", "no:cacheprovider", "-q", "--base-url", server.url]
    status, peak, output, guarded = _run_child(argv, tmp_path / "run.log")
    assert not guarded, f"stopped by the guard (over {GUARD_MB} MB or {RUN_TIMEOUT:g} s):\n{output}"
    assert status == 1, output
    assert "success.response               VIOLATION" in output, output
    assert "200 with a body larger than 1048576 bytes, the most the suite reads of an answer" in output, output
    assert peak < LIMIT_MB, f"peak RSS {peak:.0f} MB"


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_dripping_server_ends_at_the_request_deadline(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, part: str
) -> None:
    """One byte every 0.2 s never trips the 1 s timeout of a read; the 2 s deadline ends the request, and the
    run stops as for a timeout: the target cannot be tested."""
    knobs = Knobs(operation=OPERATION, hostile_drip=0.2, hostile_drip_part=part)
    server = prepare(monkeypatch, reference_server, "8.8", knobs)
    result = run_suite(pytester, "--request-timeout", "1", "--rc-request-deadline", "2", base_url=server.url)
    text = result.text()
    assert result.ret == 4, text
    assert (
        f"cannot test {server.url}: GET /api/v1/getImportProgress failed: no complete answer within 2 s, "
        "the deadline of one request (--rc-request-deadline)"
    ) in text
    assert "Traceback" not in text
