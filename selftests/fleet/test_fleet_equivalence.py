"""A target checked by the fleet's in-process workers gets what a single ``python -m pytest`` run of it gets.

For every reference profile and every catalogue fault (set up as selftests/catalogue.yaml sets it up), the fleet
runs the target in a worker that has already run others, then the same server, reset, is checked by the exact
command fleet/launch.py builds for it, as a process of its own. Exit status, verdicts, every clause's detail,
the summary, notes and the exchanges recorded must be equal; only times, ports and the credentials the reset
handed out may differ.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from reference_fleet import Member, ReferenceFleet
from suite_runner import OPERATION

from rocketchat_contract.commands.main import main
from rocketchat_contract.fleet.fleetfile import load_fleet
from rocketchat_contract.fleet.launch import launch, source_variables
from rocketchat_contract.reference import FAULTS, PROFILES, Knobs, Operation

CATALOGUE = yaml.safe_load((Path(__file__).resolve().parents[1] / "catalogue.yaml").read_text(encoding="utf-8"))
ADDOPTS = "--rate-limit-wait 0"
"""Given to every run alike (PYTEST_ADDOPTS, which the fleet passes on): the catalogue's fault that lets the limiter
allow no call needs it, and no run then waits out a limiter's window."""


def _member(name: str, setup: dict[str, Any]) -> tuple[Member, str]:
    """A fleet member set up as the catalogue sets a fault up, and how its admin is given (password or token)."""
    merged = {**CATALOGUE["defaults"], **setup}
    operation = None if merged["operation"] == "none" else Operation.parse(merged["operation"])
    knobs = Knobs(
        operation=operation,
        faults=frozenset(merged.get("faults", [])),
        rate_limit_calls=int(merged.get("rate_limit_calls", Knobs.rate_limit_calls)),
    )
    return Member(name, str(merged["profile"]), knobs), str(merged.get("admin", "password"))


def _profiles() -> list[tuple[Member, str]]:
    return [(Member(f"profile-{p}", p, Knobs(operation=OPERATION)), "password") for p in PROFILES]


def _faults(names: list[str]) -> list[tuple[Member, str]]:
    return [_member(f"fault-{n}", {**CATALOGUE["fault_setup"].get(n, {}), "faults": [n]}) for n in names]


SCORED = sorted(name for name, fault in FAULTS.items() if fault.clause)
HALF = len(SCORED) // 2
GROUPS = {
    "profiles-and-hostile-text": lambda: _profiles() + _faults(sorted(set(FAULTS) - set(SCORED))),
    "faults-a": lambda: _faults(SCORED[:HALF]),
    "faults-b": lambda: _faults(SCORED[HALF:]),
}


def _environment(fleet: ReferenceFleet, admins: dict[str, str]) -> dict[str, str]:
    """Each member's accounts under its own prefix: the admin by password or as a token pair, the user by password."""
    env: dict[str, str] = {}
    for member in fleet.members:
        server, prefix = fleet.servers[member.name], member.prefix
        admin, user = server.accounts["admin"], server.accounts["user"]
        if admins[member.name] == "token":
            env |= {f"{prefix}ADMIN_USER_ID": admin.user_id, f"{prefix}ADMIN_TOKEN": admin.token}
        else:
            env |= {f"{prefix}ADMIN_USERNAME": admin.username, f"{prefix}ADMIN_PASSWORD": admin.password}
        env |= {f"{prefix}USER_USERNAME": user.username, f"{prefix}USER_PASSWORD": user.password}
    return env


def _comparable(report: dict[str, Any] | None, url: str) -> Any:
    """What must be equal: the report without its times, digest and the exchanges' changing values."""
    if report is None:
        return None
    kept = {k: v for k, v in report.items() if k not in ("started_at", "digest", "observations", "base_url", "target")}
    observations = report["observations"]
    kept["observations"] = {
        group: sorted(
            (oid, (o.get("request") or {}).get("method"), (o.get("response") or {}).get("status"))
            for oid, o in entries.items()
        )
        for group, entries in observations.items()
        if isinstance(entries, dict)
    }
    return json.loads(json.dumps(kept).replace(url, "<server>"))


def _single_run(argv: list[str], env: dict[str, str], cwd: Path) -> int:
    done = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
    return done.returncode


@pytest.mark.parametrize("group", list(GROUPS))
def test_in_process_targets_match_single_pytest_runs(
    group: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = GROUPS[group]()
    admins = {member.name: how for member, how in chosen}
    for name in [n for n in os.environ if n.startswith("RC_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PYTEST_ADDOPTS", ADDOPTS)
    with ReferenceFleet([member for member, _ in chosen]) as fleet:
        for name, value in _environment(fleet, admins).items():
            monkeypatch.setenv(name, value)
        path = fleet.fleet_file(tmp_path / "fleet.yaml")
        report = tmp_path / "fleet.json"
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            main(["fleet", str(path), "--jobs", "2", "--allow-untestable", "--report", str(report)])
        targets = {t["name"]: t for t in json.loads(report.read_text(encoding="utf-8"))["targets"]}
        assert set(targets) == set(admins), out.getvalue()

        for member in fleet.members:  # the single runs start from the state the fleet found
            fleet.servers[member.name].reset(profile=member.profile, knobs=member.knobs)
        environ = {**os.environ, **_environment(fleet, admins)}
        specs = load_fleet(path)
        singles = tmp_path / "single"
        singles.mkdir()
        withheld = source_variables(specs)
        launches = {s.name: launch(s, singles / f"{s.name}.json", environ, None, withheld) for s in specs}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            ran = pool.map(lambda how: _single_run(how.argv, how.env, singles), launches.values())
            statuses = dict(zip(launches, ran, strict=True))

    for name, target in targets.items():
        url = fleet.urls[name]
        single = json.loads((singles / f"{name}.json").read_text(encoding="utf-8"))
        assert target["exit_status"] == statuses[name], f"{name}: {target['reason']}"
        assert _comparable(target["report"], url) == _comparable(single, url), name
    faults = [t for n, t in targets.items() if n.startswith("fault-") and FAULTS[n.removeprefix("fault-")].clause]
    assert all(t["outcome"] == "fail" for t in faults), [t["name"] for t in faults if t["outcome"] != "fail"]
