"""Run the contract suite through pytester, the way a user runs it, and read its verdicts back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

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


def credentials_env(
    monkeypatch: pytest.MonkeyPatch,
    server: ReferenceServer,
    *,
    admin: str | None = "password",
    user: str | None = "password",
) -> None:
    """Export the reference server's accounts as the RC_* variables a user would set."""
    for name in (
        "RC_ADMIN_USER_ID",
        "RC_ADMIN_TOKEN",
        "RC_ADMIN_USERNAME",
        "RC_ADMIN_PASSWORD",
        "RC_USER_ID",
        "RC_USER_TOKEN",
        "RC_USER_USERNAME",
        "RC_USER_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)
    accounts = server.accounts
    if admin == "password":
        monkeypatch.setenv("RC_ADMIN_USERNAME", accounts["admin"].username)
        monkeypatch.setenv("RC_ADMIN_PASSWORD", accounts["admin"].password)
    elif admin == "token":
        monkeypatch.setenv("RC_ADMIN_USER_ID", accounts["admin"].user_id)
        monkeypatch.setenv("RC_ADMIN_TOKEN", accounts["admin"].token)
    if user == "password":
        monkeypatch.setenv("RC_USER_USERNAME", accounts["user"].username)
        monkeypatch.setenv("RC_USER_PASSWORD", accounts["user"].password)
    elif user == "token":
        monkeypatch.setenv("RC_USER_ID", accounts["user"].user_id)
        monkeypatch.setenv("RC_USER_TOKEN", accounts["user"].token)


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
