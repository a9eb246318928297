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


def test_revoke_takes_a_grant_away_and_a_wrong_one_is_one_line() -> None:
    process = run("--revoke", "admin:run-import", "--port", str(free_port()))
    try:
        assert process.stdout is not None
        match = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline())
        assert match
        fields = dict(re.findall(r"(\w+)=(\S+)", process.stdout.readline()))
        headers = {"X-User-Id": fields["user_id"], "X-Auth-Token": fields["token"]}
        listed = requests.get(match.group(0) + "/api/v1/permissions.listAll", headers=headers, timeout=10).json()
        assert next(p["roles"] for p in listed["update"] if p["_id"] == "run-import") == ["import-operator"]
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    process = run("--revoke", "user:run-import", "--port", str(free_port()))
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 1
    assert stderr == "error: cannot revoke 'user:run-import': role 'user' does not hold 'run-import'\n"
