"""Run the contract suite through pytester, the way a user runs it, and read its verdicts back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rocketchat_contract.client.credentials import ROLES
from rocketchat_contract.reference import Knobs, Operation, ReferenceServer

SUITE = Path(__file__).resolve().parents[1] / "tests"
OPERATION = Operation.parse("csv:importer_importing_messages:120/500")


@dataclass
class SuiteResult:
    outcome: pytest.RunResult
    report: dict[str, Any] | None
    files: list[Path]

    @property
    def ret(self) -> int:
        return int(self.outcome.ret)

    @property
    def verdicts(self) -> dict[str, str]:
        assert self.report is not None, self.outcome.stdout.str()
        return {clause["id"]: clause["verdict"] for clause in self.report["clauses"]}

    def text(self) -> str:
        return self.outcome.stdout.str() + self.outcome.stderr.str()


def prepare(
    monkeypatch: pytest.MonkeyPatch,
    server: ReferenceServer,
    profile: str = "8.8",
    knobs: Knobs | None = None,
    *,
    admin: str | None = "password",
    user: str | None = "password",
) -> ReferenceServer:
    """Reset the server to a profile and export its (new) accounts as the RC_* variables a user would set."""
    server.reset(profile=profile, knobs=knobs if knobs is not None else Knobs(operation=OPERATION))
    credentials_env(monkeypatch, server, admin=admin, user=user)
    return server


ACCOUNT_OF_ROLE = {"privileged": "admin", "under-privileged": "user"}


def credentials_env(
    monkeypatch: pytest.MonkeyPatch,
    server: ReferenceServer,
    *,
    admin: str | None = "password",
    user: str | None = "password",
) -> None:
    """Export the reference server's accounts as the RC_* variables a user would set ("password", "token", None)."""
    kinds = {"admin": admin, "user": user}
    for role, (id_var, token_var, user_var, password_var) in ROLES.items():
        for name in (id_var, token_var, user_var, password_var):
            monkeypatch.delenv(name, raising=False)
        account = server.accounts[ACCOUNT_OF_ROLE[role]]
        kind = kinds[ACCOUNT_OF_ROLE[role]]
        if kind == "password":
            monkeypatch.setenv(user_var, account.username)
            monkeypatch.setenv(password_var, account.password)
        elif kind == "token":
            monkeypatch.setenv(id_var, account.user_id)
            monkeypatch.setenv(token_var, account.token)


def run_suite(
    pytester: pytest.Pytester, *args: str, base_url: str | None = None, extra_files: bool = False
) -> SuiteResult:
    """Run tests/ in-process against ``base_url`` with a JSON report (and the other outputs when asked)."""
    out = pytester.path / "out"
    report = out / "report.json"
    argv = [str(SUITE), "-p", "no:cacheprovider", "-p", "no:randomly", "--compliance-report", str(report), "-rA"]
    files = [report]
    if base_url:
        argv += ["--base-url", base_url]
    if extra_files:
        files += [out / "report.md", out / "report.html", out / "junit.xml", out / "pytest-html.html"]
        argv += ["--compliance-report", str(files[1]), "--compliance-report", str(files[2])]
        argv += ["--junitxml", str(files[3]), "--html", str(files[4]), "--self-contained-html"]
    outcome = pytester.runpytest_inprocess(*argv, *args)
    data = json.loads(report.read_text()) if report.exists() else None
    return SuiteResult(outcome, data, files)


class NetworkUsed(AssertionError):
    """A re-judge or verify tried to reach the network."""


def _refuse(*args: object) -> None:
    raise NetworkUsed(f"a connection was attempted: {args[1:]}")


def block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on no socket of this process may connect anywhere (monkeypatch undoes it after the test)."""
    import socket

    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)


def verdicts_of(report: dict[str, Any]) -> dict[str, Any]:
    """Each clause's verdict and its probes' verdicts, as a report states them."""
    return {c["id"]: (c["verdict"], sorted((p["probe"], p["verdict"]) for p in c["probes"])) for c in report["clauses"]}


def rejudged_offline(result: SuiteResult, monkeypatch: pytest.MonkeyPatch, folder: Path) -> tuple[int, dict[str, Any]]:
    """Save a run's JSON report, judge it again with ``rocketchat-contract rejudge`` with the network blocked, and
    return the exit status and the re-judged report."""
    from rocketchat_contract.commands.main import main

    assert result.report is not None, result.text()
    saved, again = folder / "live.json", folder / "again.json"
    saved.write_text(json.dumps(result.report), encoding="utf-8")
    block_network(monkeypatch)
    status = main(["rejudge", str(saved), "--report", str(again)])
    return status, json.loads(again.read_text(encoding="utf-8"))
