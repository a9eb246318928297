"""``python -m rocketchat_contract.reference``: serves, prints its URL and credentials, stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

import rocketchat_contract
from rocketchat_contract.reference import free_port

SRC = str(Path(rocketchat_contract.__file__).resolve().parents[1])



def run(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen(
        [sys.executable, "-m", "rocketchat_contract.reference", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_serves_until_ctrl_c() -> None:
    process = run("--profile", "8.8", "--port", str(free_port()))
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert match, first
        admin = process.stdout.readline()
        assert "admin: user_id=" in admin and "token=" in admin
        response = requests.get(match.group(0) + "/api/info", timeout=10)
        assert response.json() == {"version": "8.8", "success": True}
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "Traceback" not in stderr


def test_profile_9_0_reporting_a_newer_release() -> None:
    process = run("--profile", "9.0", "--server-version", "9.2.0", "--port", str(free_port()))
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "Reference Rocket.Chat 9.2.0 (profile 9.0)" in first
        match = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert match, first
        assert requests.get(match.group(0) + "/api/info", timeout=10).json() == {"version": "9.2", "success": True}
        unauthorized = requests.get(match.group(0) + "/api/v1/getImportProgress", timeout=10)
        assert unauthorized.text == '{"success":false,"error":"You must be logged in to do this."}'
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0


def test_bad_arguments_exit_2() -> None:
    process = run("--profile", "9.9")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "invalid choice" in stderr
    process = run("--operation", "not-an-operation")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
