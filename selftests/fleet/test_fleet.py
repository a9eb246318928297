"""The fleet without servers: fleet files, each target's command and environment, outcomes, merge and diff."""

from __future__ import annotations

import copy
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from rocketchat_contract.client.credentials import ROLES
from rocketchat_contract.commands.main import main
from rocketchat_contract.contract.data import suite_dir
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.fleet.fleetfile import FLEET_FILE_SCHEMA, FleetFileError, TargetSpec, load_fleet
from rocketchat_contract.fleet.html import render_fleet_html
from rocketchat_contract.fleet.launch import (
    CredentialSourceError,
    launch,
    redacted_url,
    source_variables,
)
from rocketchat_contract.fleet.merge import merge_reports
from rocketchat_contract.fleet.model import exit_status, fleet_document, outcome, target_record, worst
from rocketchat_contract.fleet.runner import TargetRun, pack
from rocketchat_contract.fleet.terminal import Terminal
from rocketchat_contract.reports.html import render_html

REPORTS = Path(__file__).resolve().parents[1] / "data" / "reports"


def write(tmp_path: Path, text: str, name: str = "fleet.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def compliance(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((REPORTS / name).read_text(encoding="utf-8"))
    return document


# -- the fleet file ---------------------------------------------------------------------------------


def test_the_issue_example_loads_with_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "targets:\n  - name: production\n    base_url: https://chat.example.com\n    env_prefix: RC_PROD_\n"
        "  - name: staging\n    base_url: https://staging.example.com/chat\n",
    )
    production, staging = load_fleet(path)
    assert (production.name, production.prefix, production.flags) == ("production", "RC_PROD_", frozenset())
    assert staging.prefix == "RC_"


def test_defaults_apply_unless_a_target_sets_its_own(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not checked here")
    path = write(
        tmp_path,
        "defaults: {provision_user: true, strict_docs: true, request_timeout: 20, ca_bundle: ca.pem}\n"
        "targets:\n"
        "  - {name: a, base_url: 'http://a.example', strict_docs: false}\n"
        "  - {name: b, base_url: 'http://b.example', rc_version: '7.10'}\n",
    )
    a, b = load_fleet(path)
    assert a.flags == {"provision_user"}
    assert b.flags == {"provision_user", "strict_docs"}
    assert b.rc_version == "7.10" and b.request_timeout == 20
    assert a.ca_bundle == (tmp_path / "ca.pem").resolve()


ONE = "targets:\n  - {name: a, base_url: 'http://x'}\n"
BAD_FILES = [
    ("targets: []\n", "field targets", "should be non-empty"),
    ("targets:\n  - name: a\n", "target 1 (a)", "'base_url' is missing"),
    ("targets:\n  - {name: a, base_url: 'ftp://x'}\n", "target 1 (a), field base_url", "not an http:// or https://"),
    (
        "targets:\n  - {name: a, base_url: 'http://x'}\n  - {name: b, base_url: 'http://y', base_ur: 'http://z'}\n",
        "target 2 (b), field base_ur",
        "unknown field",
    ),
    ("targets:\n  - {name: a, base_url: 'http://x', rc_version: 7.10}\n", "field rc_version", "quoted string"),
    ("targets:\n  - {name: a, base_url: 'http://x', env_prefix: 'RC PROD'}\n", "field env_prefix", "does not match"),
    ("targets:\n  - {name: a, base_url: 'http://x', env: {RC_TOKEN: X}}\n", "field env", "RC_TOKEN"),
    ("targets:\n  - {name: 'a b', base_url: 'http://x'}\n", "field name", "does not match"),
    ("targets:\n  - {name: a, base_url: 'http://x', provision_user: 'yes'}\n", "field provision_user", "boolean"),
    ("defaults: {request_timeout: 0}\n" + ONE, "defaults, field request_timeout", "0"),
    ("defaults: {base_url: 'http://x'}\n" + ONE, "defaults, field base_url", "unknown field"),
    ("targets:\n  - {name: a, base_url: 'http://x', ca_bundle: missing.pem}\n", "field ca_bundle", "no such file"),
    ("targts:\n  - {name: a}\n", "top level", "'targets' is missing"),
    ("targets: []\nextra: 1\n", "field extra", "unknown field"),
    ("targets: [\n", "not valid YAML", "line"),
    ("", "the file is empty", "list of targets"),
    ("- a\n", "top level", "not of type 'object'"),
    ("targets:\n  - {name: a, base_url: 'http://x'}\n  - {name: a, base_url: 'http://y'}\n", "target 2 (a), field name",
     "target 1 has the same name"),
]


@pytest.mark.parametrize(("text", "where", "what"), BAD_FILES, ids=[f"bad-{i}" for i in range(len(BAD_FILES))])
def test_a_bad_fleet_file_is_one_line_and_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str, what: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(FleetFileError) as raised:
        load_fleet(path)
    assert where in str(raised.value) and what in str(raised.value)
    assert main(["fleet", str(path)]) == 4
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and where in err and "Traceback" not in err


def test_a_missing_fleet_file_and_bad_options_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", str(tmp_path / "nowhere.yaml")]) == 4
    good = write(tmp_path, "targets:\n  - {name: a, base_url: 'http://x'}\n")
    assert main(["fleet", str(good), "--report", str(tmp_path / "out.pdf")]) == 4
    assert main(["fleet", str(good), "--jobs", "0"]) == 4
    assert main(["fleet", str(good), "--jobs", "many"]) == 4
    assert main(["fleet"]) == 4
    err = capsys.readouterr().err
    assert "nowhere.yaml: no such file" in err and ".json, .md or .html" in err and "--jobs" in err
    assert "Traceback" not in err


def test_a_fleet_report_path_is_checked_as_a_compliance_report_path_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One check for both: a path under a file, or a folder the fleet cannot write in, fails before any run."""
    good = write(tmp_path, "targets:\n  - {name: a, base_url: 'http://x'}\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["fleet", str(good), "--report", str(blocker / "sub" / "out.json")]) == 4
    assert f"{blocker} is a file, not a folder" in capsys.readouterr().err
    created = tmp_path / "new" / "out.md"
    assert main(["fleet", str(tmp_path / "nowhere.yaml"), "--report", str(created)]) == 4
    assert not created.parent.exists()  # a bad fleet file fails before any folder is made
    assert main(["fleet", "--merge", str(tmp_path / "none.json"), "--report", str(created)]) == 4
    assert f"created the folder {created.parent} for out.md" in capsys.readouterr().err


def test_the_documented_fleet_file_is_valid() -> None:
    section = (Path(__file__).resolve().parents[2] / "docs" / "fleet.md").read_text(encoding="utf-8")
    block = section[section.index("```yaml\n") + len("```yaml\n") : section.index("```\n", section.index("```yaml"))]
    document = yaml.safe_load(block)
    assert store().problem(FLEET_FILE_SCHEMA, document) is None
    assert {t["name"] for t in document["targets"]} == {"production", "staging"}


def test_the_schema_lists_exactly_the_suites_credential_variables() -> None:
    schema = store().documents[FLEET_FILE_SCHEMA]
    listed = schema["$defs"]["target"]["properties"]["env"]["propertyNames"]["enum"]
    assert sorted(listed) == sorted(name for names in ROLES.values() for name in names)


# -- one target's command and environment -------------------------------------------------------------


def spec(**overrides: Any) -> TargetSpec:
    return TargetSpec(**{"name": "prod", "base_url": "https://chat.example.com", **overrides})


def test_credentials_come_from_the_prefix_and_nothing_else_is_inherited(tmp_path: Path) -> None:
    environ = {
        "RC_ADMIN_USER_ID": "fleet-admin-id",  # the fleet's own RC_ variables must not leak into a prefixed target
        "RC_ADMIN_TOKEN": "fleet-admin-token",
        "RC_CA_BUNDLE": "/etc/ca.pem",
        "PYTEST_BASE_URL": "http://elsewhere",
        "RC_PROD_ADMIN_USERNAME": "bot",
        "RC_PROD_ADMIN_PASSWORD": "prod-password",
        "RC_PROD_USER_ID": "uid",
        "RC_PROD_USER_TOKEN": "prod-user-token",
        "RC_STAGE_ADMIN_TOKEN": "another-targets-token",
        "HOME": "/root",
    }
    fleet = [spec(env_prefix="RC_PROD_"), spec(name="stage", env_prefix="RC_STAGE_")]
    run = launch(fleet[0], tmp_path / "prod.json", environ, suite=Path("/suite"), withheld=source_variables(fleet))
    assert run.env["RC_ADMIN_USERNAME"] == "bot" and run.env["RC_USER_TOKEN"] == "prod-user-token"
    for name in ("RC_ADMIN_USER_ID", "RC_ADMIN_TOKEN", "RC_CA_BUNDLE", "PYTEST_BASE_URL", "RC_STAGE_ADMIN_TOKEN"):
        assert name not in run.env
    assert run.env["HOME"] == "/root"
    assert run.secrets == {"prod-password", "prod-user-token"}
    assert run.variables == tuple(f"RC_PROD_{n}" for n in ("ADMIN_USERNAME", "ADMIN_PASSWORD", "USER_ID", "USER_TOKEN"))
    assert run.argv[:4] == [sys.executable, "-m", "pytest", "/suite"]
    assert run.argv[run.argv.index("--base-url") + 1] == "https://chat.example.com"
    assert f"--compliance-report={tmp_path / 'prod.json'}" in run.argv
    assert not any(secret in " ".join(run.argv) for secret in run.secrets)


def test_explicit_variable_names_win_over_the_prefix(tmp_path: Path) -> None:
    environ = {"BOT_ID": "id-1", "BOT_TOKEN": "token-1", "RC_ADMIN_USER_ID": "id-2", "RC_ADMIN_TOKEN": "token-2"}
    run = launch(spec(env={"RC_ADMIN_USER_ID": "BOT_ID", "RC_ADMIN_TOKEN": "BOT_TOKEN"}), tmp_path / "r.json", environ)
    assert (run.env["RC_ADMIN_USER_ID"], run.env["RC_ADMIN_TOKEN"]) == ("id-1", "token-1")


def test_half_a_pair_names_the_fleets_variables(tmp_path: Path) -> None:
    with pytest.raises(CredentialSourceError, match="RC_PROD_ADMIN_PASSWORD is not set but RC_PROD_ADMIN_USERNAME is"):
        launch(spec(env_prefix="RC_PROD_"), tmp_path / "r.json", {"RC_PROD_ADMIN_USERNAME": "bot"})


def test_settings_become_the_suites_options(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    target = spec(
        flags=frozenset({"provision_user", "seed_import", "strict_docs", "require_verified"}),
        rc_version="7.3",
        ca_bundle=bundle,
        request_timeout=2.5,
    )
    argv = launch(target, tmp_path / "r.json", {}).argv
    for option in ("--provision-user", "--seed-import", "--strict-docs", "--require-verified"):
        assert option in argv
    assert argv[argv.index("--rc-version") + 1] == "7.3"
    assert f"--ca-bundle={bundle}" in argv
    assert argv[argv.index("--request-timeout") + 1] == "2.5"
    assert target.settings() == {
        "provision_user": True,
        "require_verified": True,
        "seed_import": True,
        "strict_docs": True,
        "rc_version": "7.3",
        "ca_bundle": "ca.pem",
        "request_timeout": 2.5,
    }


def test_userinfo_stays_off_the_command_line_and_out_of_the_shown_url(tmp_path: Path) -> None:
    target = spec(base_url="https://proxy:hunter22@chat.example.com:8443/chat")
    run = launch(target, tmp_path / "r.json", {})
    assert "--base-url" not in run.argv and run.env["PYTEST_BASE_URL"] == target.base_url
    assert "hunter22" in run.secrets
    assert redacted_url(target.base_url) == "https://[redacted]@chat.example.com:8443/chat"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://chat.example.com", "https://CHAT.example.com:443/sub", True),
        ("http://chat.example.com", "https://chat.example.com", False),
        ("http://127.0.0.1:3000/a", "http://127.0.0.1:3000/b", True),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3001", False),
        ("https://u:p@chat.example.com", "https://chat.example.com", True),
    ],
)
def test_origin_is_scheme_host_and_port(a: str, b: str, same: bool) -> None:
    assert (spec(base_url=a).origin == spec(base_url=b).origin) is same


def test_the_suite_the_fleet_runs_is_the_projects_tests_folder() -> None:
    assert (suite_dir() / "test_get_import_progress.py").is_file()


# -- outcomes and exit status ---------------------------------------------------------------------------

EXIT_4_OUTPUT = (
    "===== no tests ran in 0.10s =====\n"
    "!!!!!!! _pytest.outcomes.Exit: rocketchat-contract: cannot test http://127.0.0.1:9: GET "
    "http://127.0.0.1:9/api/info failed: connection refused: nothing listens on that host and port. !!!!!!!\n"
)

EXIT_4_LINE_ONLY = (
    "rocketchat-contract: target http://127.0.0.1:9\ncollected 23 items\n\n"
    "rocketchat-contract: cannot test http://127.0.0.1:9: GET http://127.0.0.1:9/api/info failed: connection refused\n"
)
"""The same run once the suite ends such a session with its line alone (issue 20 item 10)."""


@pytest.mark.parametrize(
    ("status", "report", "output", "expected", "reason"),
    [
        (0, "rc-8.8.json", "", "pass", None),
        (1, "rc-8.8.json", "", "fail", "pytest exited 1 without a violation"),
        (4, None, EXIT_4_OUTPUT, "untestable", "cannot test http://127.0.0.1:9: GET"),
        (4, None, EXIT_4_LINE_ONLY, "untestable", "cannot test http://127.0.0.1:9: GET"),
        (4, None, "ERROR: RC_ADMIN_PASSWORD is not set: they go together\n", "untestable", "RC_ADMIN_PASSWORD is not"),
        (0, None, "something broke\n", "untestable", "wrote no valid compliance report"),
        (3, None, "INTERNALERROR> boom\n", "untestable", "pytest exited 3 (internal error)"),
        (2, "rc-8.8.json", "KeyboardInterrupt\n", "interrupted", "interrupted"),
        # The forwarded signal can end pytest before the plugin's handler is in place: still an interrupt.
        (-15, None, "", "interrupted", "ended by SIGTERM"),
        (-2, None, "", "interrupted", "ended by SIGINT"),
        (-9, None, "", "untestable", "killed by SIGKILL"),
    ],
)
def test_outcome_follows_pytests_exit_status(
    status: int, report: str | None, output: str, expected: str, reason: str | None
) -> None:
    run = TargetRun(spec(), status=status, output=output, packed=pack(compliance(report) if report else None))
    result, why = outcome(run)
    assert result == expected
    assert (why is None) if reason is None else (why is not None and reason in why)
    if reason and status == 4:
        assert why is not None and "!" not in why and "rocketchat-contract:" not in why


@pytest.mark.parametrize("status", [0, 1, 2])
def test_a_run_the_fleets_interrupt_reached_is_never_a_pass(status: int) -> None:
    """Once the fleet forwarded its interrupt to a running target, pytest's exit 0 or 1 (an interrupt lost in the
    child) is no verdict: the target is interrupted."""
    run = TargetRun(spec(), status=status, packed=pack(compliance("rc-8.8.json")), output="10 passed\n", signalled=True)
    result, why = outcome(run)
    assert result == "interrupted"
    assert why is not None and ("interrupt" in why)
    assert target_record(run)["outcome"] == "interrupted"


def test_a_violation_needs_no_reason_but_strict_docs_says_why() -> None:
    failing = compliance("rc-8.8.json")
    failing["summary"]["violation"] = 1
    assert outcome(TargetRun(spec(), status=1, packed=pack(failing))) == ("fail", None)
    strict = compliance("rc-3.18.json")
    strict["strict_docs"] = True
    why = outcome(TargetRun(spec(), status=1, packed=pack(strict)))[1]
    assert why == "strict_docs: known drift counts as a failure"


def record(name: str, result: str) -> dict[str, Any]:
    status = {"pass": 0, "fail": 1, "untestable": 4, "interrupted": 2}[result]
    report = compliance("rc-8.8.json") if result in ("pass", "fail") else None
    problem = "not started: the fleet was interrupted" if result == "interrupted" else None
    run = TargetRun(spec(name=name), status=None if problem else status, packed=pack(report), problem=problem)
    return target_record(run)


def test_a_target_with_a_partly_verified_clause_gets_its_verdict_as_headline() -> None:
    """A report's summary also counts partly verified clauses; that count is no verdict and must not crash."""
    report = compliance("rc-3.18.json")
    assert report["summary"]["partly-verified"] > 0
    target = target_record(TargetRun(spec(name="old"), status=0, packed=pack(report)))
    assert worst(target) == "known-drift"


@pytest.mark.parametrize(
    ("outcomes", "allow", "status"),
    [
        (["pass", "pass"], False, 0),
        (["pass", "fail", "untestable"], False, 1),
        (["pass", "untestable"], False, 4),
        (["pass", "untestable"], True, 0),
        (["fail", "untestable"], True, 1),
        (["pass", "fail", "interrupted"], False, 2),
    ],
)
def test_fleet_exit_status(outcomes: list[str], allow: bool, status: int) -> None:
    targets = [record(f"t{i}", o) for i, o in enumerate(outcomes)]
    assert exit_status(targets, allow_untestable=allow) == status


# -- merge and diff ------------------------------------------------------------------------------------


def document(outcomes: dict[str, str], **changes: Any) -> dict[str, Any]:
    targets = [record(name, result) for name, result in outcomes.items()]
    fields = {
        "sources": ["fleet.yaml"],
        "started_at": "2026-11-30T09:00:00+00:00",
        "finished_at": "2026-11-30T09:01:00+00:00",
        "allow_untestable": False,
        **changes,
    }
    return fleet_document(targets, **fields)


def test_a_fleet_document_is_valid_against_the_published_schema() -> None:
    whole = document({"a": "pass", "b": "fail", "c": "untestable", "d": "interrupted"})
    assert store().problem("fleet/fleet-report.schema.json", whole) is None
    assert whole["summary"] == {"targets": 4, "pass": 1, "fail": 1, "untestable": 1, "interrupted": 1}
    assert [c["id"] for c in whole["clauses"]] == [c["id"] for c in compliance("rc-8.8.json")["clauses"]]


def test_merging_two_halves_gives_the_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = document({"a": "pass", "b": "fail", "c": "untestable", "d": "pass"})
    halves = []
    for index, names in enumerate((("a", "b"), ("c", "d"))):
        half = {**copy.deepcopy(whole), "targets": [t for t in whole["targets"] if t["name"] in names]}
        path = tmp_path / f"half-{index}.json"
        path.write_text(json.dumps(half), encoding="utf-8")
        halves.append(path)
    assert merge_reports([(p.name, json.loads(p.read_text())) for p in halves], allow_untestable=False) == whole
    out = tmp_path / "all.json"
    html = tmp_path / "all.html"
    assert main(["fleet", "--merge", *map(str, halves), "--report", str(out), "--report", str(html)]) == 1
    assert json.loads(out.read_text()) == whole
    assert "4 targets: 2 pass, 1 fail, 1 untestable → exit status 1" in capsys.readouterr().out


def test_merge_refuses_a_target_in_two_reports_and_a_file_that_is_no_fleet_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps(document({"a": "pass"})))
    assert main(["fleet", "--merge", str(one), str(one)]) == 4
    single = tmp_path / "single.json"
    single.write_text(json.dumps(compliance("rc-8.8.json")))
    assert main(["fleet", "--merge", str(one), str(single)]) == 4
    err = capsys.readouterr().err
    assert "target a is in both one.json and one.json" in err
    assert "single.json: not a fleet report" in err


def test_diff_of_two_fleet_reports_names_what_regressed_per_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = document({"prod": "pass", "stage": "pass", "gone": "pass", "dead": "pass"})
    new = copy.deepcopy(old)
    new["targets"] = [t for t in new["targets"] if t["name"] != "gone"]
    prod = next(t for t in new["targets"] if t["name"] == "prod")
    clause = next(c for c in prod["report"]["clauses"] if c["id"] == "permission.run-import")
    clause["verdict"] = "violation"
    new["targets"][-1] = record("dead", "untestable")
    paths = []
    for name, report in (("old.json", old), ("new.json", new)):
        paths.append(tmp_path / name)
        paths[-1].write_text(json.dumps(report))
    assert main(["diff", *map(str, paths)]) == 1
    out = capsys.readouterr().out
    assert "**3 targets regressed:** `prod`, `dead`, `gone`" in out
    assert "| `prod` |" in out and "`permission.run-import`" in out
    assert "no longer in the fleet" in out and "now untestable" in out
    assert "| `stage` | `8.8.1` ✅ pass | `8.8.1` ✅ pass | no |" in out
    assert main(["diff", str(paths[0]), str(paths[0])]) == 0
    assert "No regression" in capsys.readouterr().out


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_is_redrawn_on_a_terminal_and_a_heartbeat_in_a_log(monkeypatch: pytest.MonkeyPatch) -> None:
    running = [TargetRun(spec(name=f"t{i}")) for i in range(2)]
    tty = _Tty()
    live = Terminal(5, tty, estimate=600)
    live.tick(running)
    assert tty.getvalue().startswith("0/5 done in 0 s, about 10 min left (planned); running 2: t0, t1")
    live.finished(TargetRun(spec(name="t9"), status=0, packed=pack(compliance("rc-8.8.json")), duration=1.5))
    assert "\r\x1b[2K[1/5] t9  PASS" in tty.getvalue()
    monkeypatch.setattr(live, "started", live.started - 120)  # 1 done in 2 minutes: 0.5 a minute, 4 left
    live.tick(running)
    assert tty.getvalue().endswith("\n1/5 done in 2 min, 0.5 targets/min, about 8 min left; running 2: t0, t1")
    log = io.StringIO()
    quiet = Terminal(5, log)
    quiet.tick(running)
    assert log.getvalue() == ""
    monkeypatch.setattr(quiet, "last_beat", quiet.last_beat - 31)
    quiet.tick(running)
    assert log.getvalue().startswith("... 0/5 done in 0 s; running 2: t0, t1")
    assert "\r" not in log.getvalue() and "\x1b" not in log.getvalue()


def test_the_fleet_page_shows_a_clauses_evidence_as_the_single_report_does() -> None:
    """One rendering of a clause's evidence: a local drift entry (--extra-drift) is named as local in both."""
    report = compliance("rc-3.18.json")
    clause = next(c for c in report["clauses"] if c.get("drift"))
    clause["drift"]["origin"] = "site-drift.yaml"
    run = TargetRun(spec(name="local"), status=0, packed=pack(report))
    targets = [target_record(run)]
    page = "".join(
        render_fleet_html(
            fleet_document(
                targets,
                sources=["fleet.yaml"],
                started_at="2026-11-30T09:00:00+00:00",
                finished_at="2026-11-30T09:01:00+00:00",
                allow_untestable=False,
            )
        )
    )
    single = render_html(report)
    assert "Local entry" in single and "site-drift.yaml (--extra-drift)" in single
    assert "Local entry" in page and "site-drift.yaml (--extra-drift)" in page


# -- issue 20: credentials stay with their target, paths checked up front, nothing echoed ---------------

STAGING_FILE = (
    "targets:\n"
    "  - name: production\n    base_url: https://chat.example.com\n    env_prefix: RC_PROD_\n"
    "  - name: staging\n    base_url: https://staging.example.com\n"
    "    env: {RC_ADMIN_USER_ID: STG_ADMIN_ID, RC_ADMIN_TOKEN: STG_ADMIN_TOKEN, RC_USER_ID: STG_USER_ID,"
    " RC_USER_TOKEN: STG_USER_TOKEN}\n"
)
CALLER = {
    "RC_ADMIN_USERNAME": "caller-admin",
    "RC_ADMIN_PASSWORD": "caller-admin-password",
    "RC_USER_USERNAME": "caller-user",
    "RC_USER_PASSWORD": "caller-user-password",
    "STG_ADMIN_ID": "stg-admin-id",
    "STG_ADMIN_TOKEN": "stg-admin-token",
    "STG_USER_ID": "stg-user-id",
    "STG_USER_TOKEN": "stg-user-token",
}


def test_a_target_with_env_and_no_prefix_gets_only_the_variables_its_env_names(tmp_path: Path) -> None:
    """Issue 20 item 3: the unmapped four must not come from the caller's RC_ variables (the default prefix)."""
    fleet = load_fleet(write(tmp_path, STAGING_FILE))
    staging = fleet[1]
    run = launch(staging, tmp_path / "s.json", CALLER, withheld=source_variables(fleet))
    given = {name: run.env[name] for name in sorted(ROLES["privileged"] + ROLES["under-privileged"]) if name in run.env}
    assert given == {
        "RC_ADMIN_TOKEN": "stg-admin-token",
        "RC_ADMIN_USER_ID": "stg-admin-id",
        "RC_USER_ID": "stg-user-id",
        "RC_USER_TOKEN": "stg-user-token",
    }
    assert not any(value.startswith("caller-") for value in run.env.values())
    assert run.variables == ("STG_ADMIN_ID", "STG_ADMIN_TOKEN", "STG_USER_ID", "STG_USER_TOKEN")
    assert run.secrets == {"stg-admin-token", "stg-user-token"}


def test_an_explicit_prefix_still_fills_what_env_does_not_name(tmp_path: Path) -> None:
    target = spec(env_prefix="RC_PROD_", env={"RC_ADMIN_TOKEN": "BOT_TOKEN", "RC_ADMIN_USER_ID": "BOT_ID"})
    environ = {"BOT_ID": "id", "BOT_TOKEN": "tok", "RC_PROD_USER_USERNAME": "u", "RC_PROD_USER_PASSWORD": "pw"}
    run = launch(target, tmp_path / "r.json", environ)
    assert run.variables == ("BOT_ID", "BOT_TOKEN", "RC_PROD_USER_USERNAME", "RC_PROD_USER_PASSWORD")


def test_a_target_that_names_no_source_reads_rc_as_documented(tmp_path: Path) -> None:
    run = launch(load_fleet(write(tmp_path, ONE))[0], tmp_path / "r.json", CALLER)
    assert run.variables == ("RC_ADMIN_USERNAME", "RC_ADMIN_PASSWORD", "RC_USER_USERNAME", "RC_USER_PASSWORD")


@pytest.mark.parametrize(
    "second",
    ["  - {name: b, base_url: 'http://y'}\n", "  - {name: b, base_url: 'http://y', env_prefix: RC_}\n"],
    ids=["both-default", "default-and-explicit-rc"],
)
def test_two_targets_reading_the_same_rc_variables_are_refused_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, second: str
) -> None:
    """The default prefix is safe for one target only: two would both get the caller's password."""
    path = write(tmp_path, ONE + second)
    for name, value in CALLER.items():
        monkeypatch.setenv(name, value)
    assert main(["fleet", str(path), "--report", str(tmp_path / "out.json")]) == 4
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1, err
    assert "targets a and b would both get" in err, err  # both targets named, as targets
    assert "RC_ADMIN_PASSWORD" in err and "a names no env_prefix and no env" in err, err
    assert not any(value in err for value in CALLER.values())
    assert not (tmp_path / "out.json").exists()


PASTED = [
    ("{RC_ADMIN_USER_ID: ADMIN_ID, RC_ADMIN_TOKEN: admintoken01}", "env.RC_ADMIN_TOKEN", "admintoken01"),
    ("{RC_ADMIN_USER_ID: ADMIN_ID, RC_ADMIN_TOKEN: 'aB3$9xQ!zz'}", "env.RC_ADMIN_TOKEN", "aB3$9xQ!zz"),
    ("{RC_ADMIN_USER_ID: ADMIN_ID, RC_ADMIN_TOKEN: 918273645546}", "env.RC_ADMIN_TOKEN", "918273645546"),
    ("'hunter2-password'", "field env", "hunter2-password"),
]


@pytest.mark.parametrize(("env", "where", "secret"), PASTED, ids=["lowercase", "symbols", "number", "not-a-map"])
def test_a_secret_pasted_under_env_is_never_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], env: str, where: str, secret: str
) -> None:
    path = write(tmp_path, f"targets:\n  - {{name: a, base_url: 'http://x', env: {env}}}\n")
    assert main(["fleet", str(path)]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and where in err, err
    assert secret not in err
    if "RC_ADMIN_TOKEN" in env:
        assert "does not look like a variable name" in err


def test_half_a_pair_named_through_env_names_the_entry_not_its_value(tmp_path: Path) -> None:
    """A value under env: that passes as a name (an upper-case token) is still never printed."""
    target = spec(env={"RC_ADMIN_USER_ID": "BOT_ID", "RC_ADMIN_TOKEN": "PASTEDTOKEN99"})
    with pytest.raises(CredentialSourceError) as raised:
        launch(target, tmp_path / "r.json", {"BOT_ID": "id"})
    message = str(raised.value)
    assert "PASTEDTOKEN99" not in message and "BOT_ID" not in message
    assert "env.RC_ADMIN_TOKEN" in message and "env.RC_ADMIN_USER_ID" in message and "go together" in message


def test_half_a_pair_with_env_and_no_prefix_says_env_names_no_variable(tmp_path: Path) -> None:
    with pytest.raises(CredentialSourceError, match=r"env names no variable for RC_ADMIN_TOKEN"):
        launch(spec(env={"RC_ADMIN_USER_ID": "BOT_ID"}), tmp_path / "r.json", {"BOT_ID": "id", "RC_ADMIN_TOKEN": "t"})


def test_a_base_url_with_a_password_is_redacted_in_a_fleet_file_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "targets:\n  - {name: a, base_url: 'ftp://gw:hunter22@x'}\n")
    assert main(["fleet", str(path)]) == 4
    err = capsys.readouterr().err
    assert "hunter22" not in err and "not an http:// or https:// URL" in err


@pytest.mark.parametrize(("written", "quoted"), [("7.10", '"7.10"'), ("8.20", '"8.20"'), ("7.3", '"7.3"')])
def test_an_unquoted_version_suggests_the_text_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, quoted: str
) -> None:
    """Issue 20 item 9: YAML reads 7.10 as 7.1; the suggestion quotes what the file says, not the float."""
    path = write(tmp_path, f"targets:\n  - name: a\n    base_url: 'http://x'\n    rc_version: {written}\n")
    assert main(["fleet", str(path)]) == 4
    err = capsys.readouterr().err
    assert "target 1 (a), field rc_version" in err and f"quoted string ({quoted})" in err, err
    assert "'7.1'" not in err


def _a_file(tmp: Path) -> Path:
    (tmp / "a-file").write_text("")
    return tmp / "a-file"


@pytest.mark.parametrize(
    "make",
    [_a_file, lambda tmp: Path("/proc/rocketchat-contract-logs"), lambda tmp: _a_file(tmp) / "logs"],
    ids=["existing-file", "proc", "under-a-file"],
)
def test_a_bad_logs_folder_is_one_line_and_exit_4_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Any
) -> None:
    """Issue 20 item 5: --logs is checked with --report, before any target runs and any folder is made."""
    logs = make(tmp_path)
    path = write(tmp_path, "targets:\n  - {name: a, base_url: 'http://127.0.0.1:9'}\n")
    report = tmp_path / "out" / "fleet.json"
    assert main(["fleet", str(path), "--logs", str(logs), "--report", str(report)]) == 4
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and f"--logs {logs}: " in err and "Traceback" not in err, err
    assert not report.parent.exists()


def test_logs_with_merge_is_refused_rather_than_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    part = tmp_path / "part.json"
    part.write_text(json.dumps(document({"a": "pass"})))
    assert main(["fleet", "--merge", str(part), "--logs", str(tmp_path / "logs")]) == 4
    assert "--merge runs nothing" in capsys.readouterr().err
    assert not (tmp_path / "logs").exists()


def test_a_logs_folder_is_checked_without_being_made_and_made_for_the_logs(tmp_path: Path) -> None:
    from rocketchat_contract.fleet.logs import check_logs_folder, keep_logs  # new in issue 20

    folder = tmp_path / "new" / "logs"
    check_logs_folder(folder)
    assert not (tmp_path / "new").exists()
    keep_logs(folder, [TargetRun(spec(name="a"), problem="not started: the fleet was interrupted")])
    assert (folder / "a.log").read_text() == "not started: the fleet was interrupted\n"


def test_the_terminal_says_partly_verified_in_the_line_and_the_matrix() -> None:
    """Issue 20 item 19: the Markdown names a partly verified clause; the terminal line and matrix must too."""
    report = compliance("rc-3.18.json")
    run = TargetRun(spec(name="old"), status=0, packed=pack(report), duration=1.0)
    out = io.StringIO()
    terminal = Terminal(1, out)
    terminal.names(["old"])
    terminal.finished(run)
    line = out.getvalue().splitlines()[0]
    assert "1 partly verified" in line, line
    terminal.matrix(
        fleet_document(
            [target_record(run)],
            sources=["fleet.yaml"],
            started_at="2026-11-30T09:00:00+00:00",
            finished_at="2026-11-30T09:01:00+00:00",
            allow_untestable=False,
        )
    )
    matrix = out.getvalue().splitlines()[1:]
    row = next(line for line in matrix if line.startswith("old "))
    assert "1 partly verified" in row, row
    assert any("partly verified" in line and "auth.invalid" in line and "logged-out-token" in line for line in matrix)
