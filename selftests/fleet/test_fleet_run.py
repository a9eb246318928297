"""The fleet against reference servers: every profile, a broken one, an unreachable one, run as users run it.

One fleet run feeds the checks of ``test_a_fleet_of_reference_servers`` (one test, so that pytest-xdist
never runs the fleet twice): exit status, complete JSON/Markdown/HTML reports, verdicts equal to single runs
of the same servers, no secret anywhere and no provisioned user left behind.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from reference_fleet import Member, ReferenceFleet
from suite_runner import OPERATION, credentials_env, run_suite

from rocketchat_contract.commands.main import main
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.fleet import runner as runner_module
from rocketchat_contract.fleet.fleetfile import TargetSpec
from rocketchat_contract.fleet.runner import FleetRunner, TargetRun
from rocketchat_contract.reference import FAULTS, PROFILES, Knobs

FAULT = "skip-permission-check"
PROXY_SECRET = "proxy-secret-4711"


def members() -> list[Member]:
    """Every profile (8.8 with a provisioned user, documented behind a URL with userinfo), a fault, nothing."""
    special = {
        "8.8": {"settings": {"provision_user": True}, "accounts": ("admin",)},
        "documented": {"userinfo": f"gateway:{PROXY_SECRET}"},
    }
    return [
        *(Member(f"rc-{p}", p, Knobs(operation=OPERATION), **special.get(p, {})) for p in PROFILES),
        Member("broken", "8.8", Knobs(operation=OPERATION, faults=frozenset({FAULT}))),
        Member("unreachable"),
    ]


@dataclass
class FleetResult:
    status: int
    terminal: str
    files: dict[str, Path]
    fleet: ReferenceFleet
    users: dict[str, tuple[set[str], set[str]]]
    """Each server's user ids before and after the fleet run."""

    @property
    def report(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.files["json"].read_text(encoding="utf-8"))
        return document

    def target(self, name: str) -> dict[str, Any]:
        return next(t for t in self.report["targets"] if t["name"] == name)


@pytest.fixture
def fleet_run(tmp_path: Path) -> Iterator[FleetResult]:
    folder = tmp_path / "fleet"
    folder.mkdir()
    with ReferenceFleet(members()) as fleet, pytest.MonkeyPatch.context() as monkeypatch:
        for name in [n for n in os.environ if n.startswith("RC_")]:
            monkeypatch.delenv(name)
        for name, value in fleet.environment().items():
            monkeypatch.setenv(name, value)
        files = {ext: folder / f"fleet.{ext}" for ext in ("json", "md", "html")}
        users_before = {name: server.user_ids() for name, server in fleet.servers.items()}
        argv = ["fleet", str(fleet.fleet_file(folder / "fleet.yaml")), "--logs", str(folder / "logs")]
        argv += [arg for path in files.values() for arg in ("--report", str(path))]
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            status = main(argv)
        users = {name: (users_before[name], server.user_ids()) for name, server in fleet.servers.items()}
        yield FleetResult(status, out.getvalue(), {**files, "logs": folder / "logs"}, fleet, users)


def check_exit_status_and_terminal(fleet_run: FleetResult) -> None:
    assert fleet_run.status == 1, fleet_run.terminal
    lines = fleet_run.terminal.splitlines()
    total = len(members())
    for member in members():
        assert sum(bool(re.match(rf"\[\s*\d+/{total}\] {re.escape(member.name)}\s", line)) for line in lines) == 1
    assert any(line.startswith(f"[{total}/{total}]") for line in lines)
    assert re.search(r"\] broken\s+FAIL\s", fleet_run.terminal)
    unreachable = r"\] unreachable\s+UNTESTABLE\s+cannot test http://127\.0\.0\.1:\d+: .*connection refused"
    assert re.search(unreachable, fleet_run.terminal)
    assert f"{total} targets: {total - 2} pass, 1 fail, 1 untestable → exit status 1" in fleet_run.terminal


def check_json_report(fleet_run: FleetResult) -> None:
    report = fleet_run.report
    assert store().problem("fleet/fleet-report.schema.json", report) is None
    assert [t["name"] for t in report["targets"]] == [m.name for m in members()]
    for member in members():
        target = fleet_run.target(member.name)
        if member.name == "unreachable":
            assert target["outcome"] == "untestable" and target["exit_status"] == 4
            assert "connection refused" in target["reason"] and target["verdicts"] == {}
            continue
        assert target["outcome"] == ("fail" if member.name == "broken" else "pass"), target["reason"]
        assert target["report"]["clauses"] and target["verdicts"] == {
            c["id"]: c["verdict"] for c in target["report"]["clauses"]
        }
        assert fleet_run.fleet.servers[member.name].version.startswith(target["server_version"])
        assert target["era"] and target["summary"] == target["report"]["summary"]
    assert fleet_run.target("broken")["verdicts"][FAULTS[FAULT].clause] == "violation"
    assert fleet_run.target("rc-8.8")["settings"] == {"provision_user": True}
    behind_proxy = fleet_run.target("rc-documented")["report"]["observations"]["probes"]
    sent_to = [o["request"]["url"] for o in behind_proxy.values() if "request" in o]
    assert sent_to and all(url.startswith("http://[redacted]@127.0.0.1:") for url in sent_to), sent_to
    assert main(["verify", str(fleet_run.files["json"])]) == 0  # each exchange went where its report says
    names = ("ADMIN_USERNAME", "ADMIN_PASSWORD", "USER_USERNAME", "USER_PASSWORD")
    assert fleet_run.target("rc-8.8")["credential_variables"] == [f"RC_RC_8_8_{n}" for n in names[:2]]
    assert fleet_run.target("broken")["credential_variables"] == [f"RC_BROKEN_{n}" for n in names]


def check_markdown_and_html(fleet_run: FleetResult) -> None:
    markdown = fleet_run.files["md"].read_text(encoding="utf-8")
    html = fleet_run.files["html"].read_text(encoding="utf-8")
    clauses = [c["id"] for c in fleet_run.report["clauses"]]
    assert len(clauses) >= 12
    for member in members():
        assert f"[{member.name}](#target-" in markdown and f"### {member.name}: " in markdown
        assert f'id="t-{member.name}"' in html
    for clause in clauses:
        assert f"`{clause}`" in markdown and f">{clause}</th>" in html
    links = set(re.findall(r'href="#([^"]+)"', html))
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert links <= ids, links - ids
    tested = len(members()) - 1
    assert len([link for link in links if "--" in link]) == sum(
        len(fleet_run.target(m.name)["verdicts"]) for m in members()
    )
    assert html.count('<tr data-name="') == len(members()) and tested > 0
    assert not re.search(r"""(src|href)=["']?(https?:)?//|@import|url\(""", html), "the page must fetch nothing"


def check_same_verdicts_as_single_runs(
    fleet_run: FleetResult, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for member in members():
        server = fleet_run.fleet.servers.get(member.name)
        if server is None:
            continue
        server.reset(profile=member.profile, knobs=member.knobs)
        credentials_env(monkeypatch, server, user="password" if "user" in member.accounts else None)
        args = ["--provision-user"] if member.settings.get("provision_user") else []
        single = run_suite(pytester, *args, base_url=fleet_run.fleet.urls[member.name])
        target = fleet_run.target(member.name)
        assert single.verdicts == target["verdicts"], member.name
        assert single.ret == target["exit_status"], member.name


def check_no_secret_and_no_user_left(fleet_run: FleetResult) -> None:
    secrets = fleet_run.fleet.secrets() | {PROXY_SECRET}
    assert len(secrets) > 20
    outputs = {"terminal": fleet_run.terminal}
    outputs |= {path.name: path.read_text(encoding="utf-8") for key, path in fleet_run.files.items() if key != "logs"}
    outputs |= {path.name: path.read_text(encoding="utf-8") for path in fleet_run.files["logs"].iterdir()}
    assert len(outputs) == 4 + len(members())
    for name, text in outputs.items():
        for secret in secrets:
            assert secret not in text, f"a secret appears in {name}"
    assert fleet_run.target("rc-documented")["base_url"].startswith("http://[redacted]@127.0.0.1:")
    assert "--provision-user created user" in " ".join(fleet_run.target("rc-8.8")["report"]["notes"])
    for name, (before, after) in fleet_run.users.items():
        assert before == after, f"{name}: a user is left behind"


def test_a_fleet_of_reference_servers(
    fleet_run: FleetResult, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    check_exit_status_and_terminal(fleet_run)
    check_json_report(fleet_run)
    check_markdown_and_html(fleet_run)
    check_no_secret_and_no_user_left(fleet_run)
    check_same_verdicts_as_single_runs(fleet_run, pytester, monkeypatch)  # last: it resets the servers


def test_untestable_targets_exit_4_unless_allowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with ReferenceFleet([Member("down"), Member("half", "8.8")]) as fleet:
        monkeypatch.setenv(f"{Member('half').prefix}ADMIN_USERNAME", "admin")
        monkeypatch.delenv(f"{Member('half').prefix}ADMIN_PASSWORD", raising=False)
        path = fleet.fleet_file(tmp_path / "fleet.yaml")
        report = tmp_path / "fleet.json"
        assert main(["fleet", str(path), "--report", str(report)]) == 4
        targets = {t["name"]: t for t in json.loads(report.read_text())["targets"]}
        assert targets["half"]["outcome"] == "untestable" and targets["half"]["exit_status"] is None
        assert targets["half"]["reason"] == (
            "RC_HALF_ADMIN_PASSWORD is not set but RC_HALF_ADMIN_USERNAME is: they go together"
        )
        assert main(["fleet", str(path), "--allow-untestable", "--report", str(report)]) == 0
        assert json.loads(report.read_text())["allow_untestable"] is True


FAKE_TEST = '''
import json, os, time

import pytest


@pytest.mark.clause("success.response")  # a contract test: the fleet's options on no contract test end the session
def test_one(base_url):
    record = {"url": base_url, "start": time.time()}
    time.sleep(0.5)
    record["end"] = time.time()
    with open(os.environ["FLEET_TRACE"], "a") as trace:
        trace.write(json.dumps(record) + "\\n")
'''


def test_one_run_per_origin_and_at_most_jobs_at_a_time(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_fake.py").write_text(FAKE_TEST)
    trace = tmp_path / "trace.jsonl"
    urls = ["http://127.0.0.1:1/a", "http://127.0.0.1:1/b", "http://127.0.0.1:1/c", "http://127.0.0.1:2"]
    specs = [TargetSpec(name=f"t{i}", base_url=url) for i, url in enumerate(urls)]
    concurrency: list[int] = []
    finished: list[TargetRun] = []
    (tmp_path / "work").mkdir()
    runner = FleetRunner(
        specs,
        tmp_path / "work",
        jobs=2,
        environ={**os.environ, "FLEET_TRACE": str(trace)},
        suite=suite,
        on_finish=finished.append,
        on_tick=lambda running: concurrency.append(len(running)),
    )
    runs = runner.run()
    assert [r.status for r in runs] == [0] * len(urls), [r.output[-500:] for r in runs]
    assert len(finished) == len(urls) and max(concurrency) == 2
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    same_origin = sorted((r["start"], r["end"]) for r in records if r["url"].startswith("http://127.0.0.1:1/"))
    assert len(same_origin) == 3
    for (_, end), (start, _) in itertools.pairwise(same_origin):
        assert start >= end, "two runs against one origin overlapped"


def test_a_finished_run_is_collected_when_it_replies_not_at_the_next_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler waits for a worker's reply, not for its periodic look: with a look every 30 s, two targets one
    after the other (one origin) take seconds, not a minute. Every job slot used to idle up to a tick per target."""
    monkeypatch.setattr(runner_module, "TICK", 30.0)
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_fake.py").write_text(
        "import pytest\n\n@pytest.mark.clause('success.response')\ndef test_one(base_url):\n    pass\n"
    )
    specs = [TargetSpec(name=f"t{i}", base_url=f"http://127.0.0.1:1/{i}") for i in range(2)]
    (tmp_path / "work").mkdir()
    started = time.monotonic()
    runs = FleetRunner(specs, tmp_path / "work", jobs=2, suite=suite).run()
    assert [r.status for r in runs] == [0, 0], [r.output[-500:] for r in runs]
    assert time.monotonic() - started < 30.0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupting_the_fleet_stops_every_run_and_leaves_no_user(tmp_path: Path, signum: signal.Signals) -> None:
    slow = Knobs(operation=OPERATION, delay_scale=6.0)  # each delayed answer takes 3-6 s: runs outlast the wait
    provision = {"provision_user": True}
    chosen = [Member(f"slow-{i}", "5.4", slow, settings=provision, accounts=("admin",)) for i in (1, 2)]
    chosen.append(Member("queued", "8.8", Knobs(operation=OPERATION), settings=provision, accounts=("admin",)))
    with ReferenceFleet(chosen) as fleet:
        before = {name: server.user_ids() for name, server in fleet.servers.items()}
        report = tmp_path / "fleet.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("RC_")} | fleet.environment()
        fleet_file = str(fleet.fleet_file(tmp_path / "f.yaml"))
        argv = [sys.executable, "-m", "rocketchat_contract.commands.main", "fleet", fleet_file]
        process = subprocess.Popen(
            [*argv, "--jobs", "2", "--report", str(report)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        slow_servers = [fleet.servers[m.name] for m in chosen[:2]]
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            if all(s.user_ids() != before[name] for name, s in zip(("slow-1", "slow-2"), slow_servers, strict=True)):
                break
            time.sleep(0.05)
        assert process.poll() is None, process.communicate()[0]
        assert all(s.user_ids() != before[n] for n, s in zip(("slow-1", "slow-2"), slow_servers, strict=True))
        process.send_signal(signum)  # both runs are still going: each deletes its user only when it ends
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 2, output
        for name, server in fleet.servers.items():
            assert server.user_ids() == before[name], f"{name}: a provisioned user is left\n{output}"
        targets = {t["name"]: t for t in json.loads(report.read_text())["targets"]}
        outcomes = {name: (t["outcome"], t["exit_status"], t["reason"]) for name, t in targets.items()}
        # Both runs were going when the signal came (their users still existed), so neither may pass.
        slow = [targets[name] for name in ("slow-1", "slow-2")]
        assert all(t["outcome"] == "interrupted" for t in slow), f"{outcomes}\n{output}"
        assert targets["queued"]["outcome"] == "interrupted"
        assert targets["queued"]["reason"] == "not started: the fleet was interrupted"
        assert re.search(rf"{signum.name}: stopping [12] running target\(s\)", output), output
        assert "Traceback" not in output
