"""The fleet's worker process on its own: runs one job after another, each with exactly its own environment,
folder and log, imports the tests afresh each time, and retires or stops when it should."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from rocketchat_contract.fleet.worker import Job, Reply

TESTS = """
import os, pathlib

IMPORTED = pathlib.Path(os.environ["IMPORTS"])
IMPORTED.write_text(IMPORTED.read_text() + "x")  # once per import of this module


def test_sees_only_its_own_environment():
    print("working in", os.getcwd())
    assert os.environ.get("SECRET_OF_A") is None or os.environ.get("TARGET") == "a"
    assert os.environ["TARGET"] in ("a", "b")
"""


def _worker(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "rocketchat_contract.fleet.worker", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _job(tmp_path: Path, name: str, env: dict[str, str]) -> Job:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    base = {"PATH": os.environ["PATH"], "IMPORTS": str(tmp_path / "imports"), "PYTHONDONTWRITEBYTECODE": "1"}
    args = [str(tmp_path / "tests"), "-p", "no:cacheprovider", "-p", "no:rocketchat_contract", "-s", "-q"]
    return Job(args, {**base, **env}, str(folder), str(folder / "log"))


def _ask(worker: subprocess.Popen[bytes], job: Job) -> Reply:
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(job.line())
    worker.stdin.flush()
    return Reply.parse(worker.stdout.readline())


def _suite(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_env.py").write_text(TESTS, encoding="utf-8")
    (tmp_path / "imports").write_text("", encoding="utf-8")


def test_runs_follow_one_another_each_with_its_own_environment_folder_and_log(tmp_path: Path) -> None:
    _suite(tmp_path)
    worker = _worker()
    try:
        first = _ask(worker, _job(tmp_path, "a", {"TARGET": "a", "SECRET_OF_A": "s3cret"}))
        second = _ask(worker, _job(tmp_path, "b", {"TARGET": "b"}))
        third = _ask(worker, _job(tmp_path, "c", {}))  # no TARGET: the test fails, as a plain pytest run would
    finally:
        assert worker.stdin is not None
        worker.stdin.close()
        status = worker.wait(timeout=60)
    assert (first.status, second.status, third.status) == (0, 0, 1)
    assert not (first.retiring or second.retiring or third.retiring)
    assert status == 0, worker.stderr.read() if worker.stderr else ""
    assert "s3cret" not in (tmp_path / "b" / "log").read_text()
    assert f"working in {tmp_path / 'b'}" in (tmp_path / "b" / "log").read_text()
    assert "1 passed" in (tmp_path / "a" / "log").read_text() and "1 failed" in (tmp_path / "c" / "log").read_text()
    assert (tmp_path / "imports").read_text() == "xxx", "each run imports the test module afresh"
    assert first.peak_rss_kb is None or first.peak_rss_kb > 10_000


def test_a_worker_retires_after_its_runs(tmp_path: Path) -> None:
    _suite(tmp_path)
    worker = _worker("2")
    first = _ask(worker, _job(tmp_path, "a", {"TARGET": "a"}))
    second = _ask(worker, _job(tmp_path, "b", {"TARGET": "b"}))
    assert (first.retiring, second.retiring) == (False, True)
    assert worker.wait(timeout=60) == 0


def test_a_waiting_worker_ends_on_a_signal_without_a_traceback(tmp_path: Path) -> None:
    _suite(tmp_path)
    worker = _worker()
    assert _ask(worker, _job(tmp_path, "a", {"TARGET": "a"})).status == 0
    os.kill(worker.pid, signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    assert worker.stderr is not None
    assert b"Traceback" not in worker.stderr.read()


def test_the_protocol_lines_round_trip() -> None:
    job = Job(["tests", "-q"], {"A": "1"}, "/tmp", "/tmp/log")
    assert Job.parse(job.line()) == job
    assert json.loads(job.line())["env"] == {"A": "1"}
    reply = Reply(1, None, True)
    assert Reply.parse(reply.line()) == reply
