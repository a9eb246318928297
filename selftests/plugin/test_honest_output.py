"""What the suite shows stays honest: no secret at any verbosity, counts that match the exit status,
and violations that say what came back."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from suite_runner import prepare, run_suite

from rocketchat_contract.client.accounts import check_under_privileged
from rocketchat_contract.client.credentials import Credential, Session, from_environment
from rocketchat_contract.client.http import MAX_BODY_DEPTH, Exchange, TargetError
from rocketchat_contract.client.redact import Secret
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.judge.explain import describe_answer, describe_mismatch
from rocketchat_contract.reference import Knobs, Operation, ReferenceServer
from rocketchat_contract.reference.fixtures import *  # noqa: F403
from rocketchat_contract.reports.notes import shown_notes

OPERATION = Operation.parse("csv:importer_done:10/10")
README = Path(__file__).resolve().parents[2] / "docs" / "real-servers.md"


def test_secrets_stay_out_at_every_verbosity(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tokens in the environment, -vv -l (locals of every traceback, xfails included), JUnit and pytest-html.

    The 8.8 server's 401 bodies are known drift (xfail tracebacks with the judged exchanges in their locals),
    and its broken 200 body fails the schemathesis test, whose report quotes the request as a curl command.
    """
    faults = frozenset({"success-missing-step"})
    server = prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION, faults=faults), admin="token")
    monkeypatch.setenv("RC_USER_ID", server.accounts["user"].user_id)
    monkeypatch.setenv("RC_USER_TOKEN", server.accounts["user"].token)
    monkeypatch.delenv("RC_USER_USERNAME")
    monkeypatch.delenv("RC_USER_PASSWORD")
    result = run_suite(pytester, "-vv", "-l", base_url=server.url, extra_files=True)
    assert result.ret == 1, result.text()
    outputs = {"terminal": result.text(), **{p.name: p.read_text() for p in result.files}}
    outputs["pytest-html.html"] = html.unescape(html.unescape(outputs["pytest-html.html"]))
    page = outputs["pytest-html.html"]
    assert "xfailed" in page.lower(), "the page shows no xfailed test, so the check below proves little"
    for name, text in outputs.items():
        for secret in server.secrets():
            assert secret not in text, f"a secret appears in {name}"


def test_reprs_never_show_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "t0k3n-that-must-not-show"
    exchange = Exchange("privileged", "GET", "/api/v1/me", {"X-User-Id": "u1", "X-Auth-Token": Secret(token)})
    exchange.body_text = json.dumps({"authToken": token})
    credential = from_environment("privileged", {"RC_ADMIN_USERNAME": "admin", "RC_ADMIN_PASSWORD": token})
    assert credential is not None and credential.password == token
    for shown in (repr(exchange), repr({"X-Auth-Token": credential.password}), repr([Secret(token)])):
        assert token not in shown, shown
    assert "X-Auth-Token" in repr(exchange) and "[redacted]" in repr(Secret(token))
    assert json.dumps({"password": credential.password}) == json.dumps({"password": token})


def test_require_verified_fails_where_the_counts_say(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With token credentials the logged-out-token probe cannot be sent: the counts must say so."""
    server = prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION), admin="token", user="token")
    result = run_suite(pytester, "--require-verified", base_url=server.url)
    assert result.ret == 1, result.text()
    failed = [
        line.split("::", 1)[1].split(" - ", 1)[0] for line in result.outcome.outlines if line.startswith("FAILED ")
    ]
    assert failed == ["test_invalid_credentials_are_refused[logged-out-token]"], result.text()
    assert result.report is not None and result.report["summary"]["partly-verified"] == 1
    assert result.report["partly_verified"] == {"auth.invalid": ["logged-out-token"]}
    assert any(note.startswith("Partly verified: auth.invalid") for note in shown_notes(result.report))
    text = result.text()
    assert "0 not-verified, 1 partly verified" in text
    assert re.search(
        r"partly verified: auth.invalid is known-drift on 7 of its 8 probes; not verified: logged-out-token", text
    )


def test_a_violation_says_what_was_expected_and_what_came(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    faults = frozenset({"forbidden-gets-401"})
    server = prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION, faults=faults))
    monkeypatch.setenv("COLUMNS", "200")  # the table is as wide as the terminal: wide enough for the whole line
    result = run_suite(pytester, base_url=server.url)
    assert result.ret == 1
    assert result.report is not None
    detail = next(c["detail"] for c in result.report["clauses"] if c["id"] == "permission.run-import")
    first = detail.splitlines()[0]
    expected = "expected 403 with the No Permission body"
    assert first == f"{expected}, got 401 with the observed unauthorized-compat body", detail
    assert re.search(rf"permission\.run-import\s+VIOLATION\s+{re.escape(first)}$", result.text(), re.MULTILINE)


def test_answers_are_named_by_their_body() -> None:
    schemas = store()

    def answer(status: int, body: str, content_type: str = "application/json") -> Exchange:
        exchange = Exchange("p", "GET", "/api/v1/getImportProgress", {}, status=status, body_text=body)
        exchange.response_headers = {"Content-Type": content_type}
        return exchange

    forbidden = json.dumps(
        {"success": False, "error": "User does not have the permissions required for this action [error-unauthorized]"}
    )
    assert describe_answer(answer(403, forbidden), schemas) == "403 with the No Permission body"
    assert (
        describe_answer(answer(200, "<html>\n</html>", "text/html"), schemas) == "200 with a non-JSON body (text/html)"
    )
    assert describe_answer(answer(502, ""), schemas) == "502 with an empty body"
    deep = "[" * MAX_BODY_DEPTH + "]" * MAX_BODY_DEPTH
    assert describe_answer(answer(200, deep), schemas).startswith("200 with an unknown body [[[")
    too_deep = f"200 with a JSON body nested deeper than {MAX_BODY_DEPTH} levels (not judged as JSON)"
    for levels in (MAX_BODY_DEPTH + 1, 100_000):  # past the bound, and past Python's parser
        assert describe_answer(answer(200, "[" * levels + "]" * levels), schemas) == too_deep
    assert describe_answer(answer(401, '{"odd": true}'), schemas) == '401 with an unknown body {"odd": true}'
    line = describe_mismatch(401, "documented/unauthorized.schema.json", answer(403, forbidden), [], schemas)
    assert line == "expected 401 with the Authorization body, got 403 with the No Permission body"


def test_readme_names_the_help_group_heading(pytester: pytest.Pytester) -> None:
    heading = re.search(r"`pytest --help` lists them under \*\*([^*]+)\*\*", README.read_text())
    assert heading is not None, "the README no longer names the group heading"
    result = pytester.runpytest_inprocess("--help", "-p", "no:cacheprovider")
    assert f"\n{heading[1]}:\n" in result.stdout.str()


def test_a_let_through_account_with_extra_roles_gets_a_note() -> None:
    """A plain account let through is a violation (the server's fault) unless a role grants it: say which roles."""
    ok = Exchange("under-privileged", "GET", "/api/v1/getImportProgress", {}, status=200, body_text="{}")
    refused = Exchange("under-privileged", "GET", "/api/v1/getImportProgress", {}, status=403, body_text="{}")
    importer = Session("under-privileged", "u2", "token", "alice", ["user", "importer"])
    plain = Session("under-privileged", "u3", "token", "bob", ["user"])
    given = Credential("under-privileged", username="alice", password="pw", source="RC_USER_USERNAME/RC_USER_PASSWORD")
    notes = check_under_privileged(importer, None, ok, given)
    assert notes == [
        "the under-privileged account got 200 (roles: user, importer); if one of importer grants run-import, "
        "the permission.run-import violation is a set-up mistake: use an account without it"
    ]
    assert check_under_privileged(plain, None, ok, given) == []
    assert check_under_privileged(importer, None, refused, given) == []
    admin = Session("under-privileged", "u4", "token", "root", ["admin"])
    with pytest.raises(TargetError, match="'root' \\(RC_USER_USERNAME/RC_USER_PASSWORD\\) is an admin"):
        check_under_privileged(admin, None, ok, given)
    assert len(check_under_privileged(admin, None, ok, None)) == 1, "a provisioned account only gets the note"
