"""A fleet as a user runs it, from an empty folder, against servers that record every request they receive.

Issue 20: a target must get only the credentials its own ``env:`` mapping or ``env_prefix`` names (the
staging server got ``POST /api/v1/login`` with another environment's password), and the fleet must write
nothing but the report and logs it was asked for (Hypothesis wrote ``.hypothesis/`` into the caller's folder).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from suite_runner import OPERATION
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from rocketchat_contract.client.credentials import ROLES
from rocketchat_contract.reference import Knobs, ReferenceServer

TIMEOUT = 300
"""Seconds the whole fleet may take (three runs of about 15 s each, at most four at a time)."""
StartResponse = Callable[..., Any]


class _Quiet(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        return None


@dataclass
class Recorder:
    """A WSGI front of a reference server that keeps each request whole: line, headers and body."""

    app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
    seen: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = "\n".join(f"{k}: {v}" for k, v in sorted(environ.items()) if k.startswith("HTTP_"))
        request = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"
        with self.lock:
            self.seen.append(f"{request}\n{headers}\n\n{body.decode('utf-8', 'replace')}")
        return self.app(environ, start_response)

    def paths(self) -> list[str]:
        with self.lock:
            return [text.split("?", 1)[0] for text in self.seen]


@dataclass
class Front:
    server: ReferenceServer
    recorder: Recorder
    http: BaseWSGIServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_port}"


@pytest.fixture(scope="module")
def fronts() -> Iterator[dict[str, Front]]:
    """Three reference servers, each behind its own recording front on a free 127.0.0.1 port."""
    started: dict[str, Front] = {}
    try:
        for name in ("prod", "staging", "qa"):
            server = ReferenceServer("8.8", Knobs(operation=OPERATION)).start()
            recorder = Recorder(server.wsgi_app)
            http = make_server("127.0.0.1", 0, recorder, threaded=True, request_handler=_Quiet)
            threading.Thread(target=http.serve_forever, name=f"front-{name}", daemon=True).start()
            started[name] = Front(server, recorder, http)
        yield started
    finally:
        for front in started.values():
            front.http.shutdown()
            front.http.server_close()
            front.server.stop()


def environment(fronts: dict[str, Front]) -> dict[str, str]:
    """The caller's own RC_ passwords (prod's), staging's tokens under STG_*, qa's under QA_BOT_* and RC_QA_."""
    prod, staging, qa = (fronts[n].server.accounts for n in ("prod", "staging", "qa"))
    return {
        "RC_ADMIN_USERNAME": prod["admin"].username,
        "RC_ADMIN_PASSWORD": prod["admin"].password,
        "RC_USER_USERNAME": prod["user"].username,
        "RC_USER_PASSWORD": prod["user"].password,
        "STG_ADMIN_ID": staging["admin"].user_id,
        "STG_ADMIN_TOKEN": staging["admin"].token,
        "STG_USER_ID": staging["user"].user_id,
        "STG_USER_TOKEN": staging["user"].token,
        "QA_BOT_ID": qa["admin"].user_id,
        "QA_BOT_TOKEN": qa["admin"].token,
        "RC_QA_USER_USERNAME": qa["user"].username,
        "RC_QA_USER_PASSWORD": qa["user"].password,
    }


STAGING_ENV = {
    "RC_ADMIN_USER_ID": "STG_ADMIN_ID",
    "RC_ADMIN_TOKEN": "STG_ADMIN_TOKEN",
    "RC_USER_ID": "STG_USER_ID",
    "RC_USER_TOKEN": "STG_USER_TOKEN",
}


OWN_SECRET = {"prod": "RC_ADMIN_PASSWORD", "staging": "STG_ADMIN_TOKEN", "qa": "QA_BOT_TOKEN"}
"""A variable each target's server must see the value of: the recording is no blind spot."""


@dataclass
class Outcome:
    status: int
    output: str
    cwd: Path
    report: dict[str, Any]


@pytest.fixture(scope="module")
def fleet(fronts: dict[str, Front], tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """One fleet run, as a user types it, from an empty folder with the report and logs named relatively."""
    config = tmp_path_factory.mktemp("config")
    fleet_file = config / "fleet.yaml"
    targets = [
        {"name": "prod", "base_url": fronts["prod"].url},
        {"name": "staging", "base_url": fronts["staging"].url, "env": STAGING_ENV},
        {
            "name": "qa",
            "base_url": fronts["qa"].url,
            "env_prefix": "RC_QA_",
            "env": {"RC_ADMIN_USER_ID": "QA_BOT_ID", "RC_ADMIN_TOKEN": "QA_BOT_TOKEN"},
        },
    ]
    fleet_file.write_text(yaml.safe_dump({"targets": targets}, sort_keys=False), encoding="utf-8")
    cwd = tmp_path_factory.mktemp("caller")
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RC_", "PYTEST_", "HYPOTHESIS_")) and k not in ("COLUMNS", "PYTHONDONTWRITEBYTECODE")
    }
    argv = [sys.executable, "-m", "rocketchat_contract.commands.main", "fleet", str(fleet_file)]
    completed = subprocess.run(
        [*argv, "--report", "fleet.json", "--logs", "logs"],
        cwd=cwd,
        env={**inherited, **environment(fronts)},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    output = completed.stdout + completed.stderr
    report = json.loads((cwd / "fleet.json").read_text(encoding="utf-8")) if (cwd / "fleet.json").exists() else {}
    return Outcome(completed.returncode, output, cwd, report)


def test_every_target_passes_with_the_credentials_it_names(fleet: Outcome) -> None:
    assert fleet.status == 0 and "Traceback" not in fleet.output, fleet.output
    variables = {t["name"]: t["credential_variables"] for t in fleet.report["targets"]}
    assert variables == {
        "prod": ["RC_ADMIN_USERNAME", "RC_ADMIN_PASSWORD", "RC_USER_USERNAME", "RC_USER_PASSWORD"],
        "staging": ["STG_ADMIN_ID", "STG_ADMIN_TOKEN", "STG_USER_ID", "STG_USER_TOKEN"],
        "qa": ["QA_BOT_ID", "QA_BOT_TOKEN", "RC_QA_USER_USERNAME", "RC_QA_USER_PASSWORD"],
    }


def test_no_server_sees_another_targets_secret(fleet: Outcome, fronts: dict[str, Front]) -> None:
    """Every request each server received, line, headers and body, holds none of the other servers' secrets."""
    secrets = {name: front.server.secrets() for name, front in fronts.items()}
    assert all(secrets.values()) and not set.intersection(*secrets.values())
    for name, front in fronts.items():
        seen = list(front.recorder.seen)
        assert seen, f"{name} received no request\n{fleet.output}"
        own = environment(fronts)[OWN_SECRET[name]]
        assert any(own in text for text in seen), f"{name}: the recording misses its own credentials"
        for other, theirs in secrets.items():
            if other == name:
                continue
            leaked = sorted({text.splitlines()[0] for text in seen for secret in theirs if secret in text})
            assert not leaked, f"{name} received {other}'s secrets in: {leaked}"
    assert "/api/v1/login" not in fronts["staging"].recorder.paths(), "staging has tokens only: nothing to log in"


def test_the_fleet_writes_only_the_report_and_logs_it_was_given(fleet: Outcome) -> None:
    """Issue 20 item 18: no .hypothesis/, .pytest_cache/ or anything else in the caller's folder."""
    assert fleet.report, fleet.output
    assert sorted(p.name for p in fleet.cwd.iterdir()) == ["fleet.json", "logs"]
    assert sorted(p.name for p in (fleet.cwd / "logs").iterdir()) == ["prod.log", "qa.log", "staging.log"]


def test_the_suite_variables_are_the_eight_the_issue_lists() -> None:
    """The isolation above covers every credential variable the suite reads, so no ninth one escapes it."""
    assert sorted(n for names in ROLES.values() for n in names) == sorted(
        [*STAGING_ENV, "RC_ADMIN_USERNAME", "RC_ADMIN_PASSWORD", "RC_USER_USERNAME", "RC_USER_PASSWORD"]
    )
