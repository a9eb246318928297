"""Bad targets and bad configuration end the run early with one message and exit status 4; secrets never leak."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from suite_runner import SUITE, credentials_env, prepare, run_suite
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from rocketchat_contract.reference import Knobs, Operation, ReferenceServer, free_port

OPERATION = Operation.parse("csv:importer_done:10/10")


@pytest.fixture
def server(reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch) -> ReferenceServer:
    return prepare(monkeypatch, reference_server, knobs=Knobs(operation=OPERATION))



@pytest.fixture
def html_server() -> Iterator[str]:
    """A web server that is not Rocket.Chat: HTML everywhere."""

    @Request.application
    def app(request: Request) -> Response:
        return Response("<html><body>Welcome</body></html>", content_type="text/html")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture(scope="module")
def tls_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(server: ReferenceServer, tls_ca: trustme.CA) -> Iterator[str]:
    """The reference server's application behind TLS with a certificate of a private CA."""
    cert = tls_ca.issue_cert("127.0.0.1")
    context = cert.configure_cert
    import ssl

    ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context(ssl_context)
    tls = make_server("127.0.0.1", 0, server.wsgi_app, threaded=True, ssl_context=ssl_context)
    thread = threading.Thread(target=tls.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{tls.port}"
    tls.shutdown()


def _assert_usage_exit(result_text: str, ret: int, *needles: str) -> None:
    assert ret == 4, result_text
    for needle in needles:
        assert needle in result_text, result_text
    assert "Traceback" not in result_text


def test_connection_refused(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_suite(pytester, base_url=f"http://127.0.0.1:{free_port()}")
    _assert_usage_exit(result.text(), result.ret, "connection refused")


def test_dns_failure(pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_suite(pytester, "--request-timeout", "3", base_url="http://rocketchat-contract.invalid")
    text = result.text()
    assert result.ret == 4, text
    assert "DNS lookup failed" in text or "timed out" in text or "connection failed" in text


def test_timeout(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, silent_server: str
) -> None:
    result = run_suite(pytester, "--request-timeout", "0.5", base_url=silent_server)
    _assert_usage_exit(result.text(), result.ret, "timed out after 0.5 s")


def test_not_rocket_chat(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, html_server: str
) -> None:
    result = run_suite(pytester, base_url=html_server)
    _assert_usage_exit(result.text(), result.ret, "does not look like a Rocket.Chat server")


def test_tls_error_without_the_ca(pytester: pytest.Pytester, tls_server: str) -> None:
    result = run_suite(pytester, base_url=tls_server)
    _assert_usage_exit(result.text(), result.ret, "TLS error", "--ca-bundle")


def test_tls_with_ca_bundle(pytester: pytest.Pytester, tls_server: str, tls_ca: trustme.CA, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(bundle))
    result = run_suite(pytester, "--ca-bundle", str(bundle), base_url=tls_server)
    assert result.ret == 0, result.text()
    assert result.verdicts["success.response"] == "conforms"


def test_rejected_privileged_credentials(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials_env(monkeypatch, server, admin=None)  # type: ignore[arg-type]
    monkeypatch.setenv("RC_ADMIN_USER_ID", server.accounts["admin"].user_id)
    monkeypatch.setenv("RC_ADMIN_TOKEN", "not-the-token-of-this-user")
    result = run_suite(pytester, base_url=server.url)
    _assert_usage_exit(result.text(), result.ret, "privileged credentials", "rejected")


def test_privileged_account_without_run_import(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials_env(monkeypatch, server, admin=None, user=None)  # type: ignore[arg-type]
    monkeypatch.setenv("RC_ADMIN_USERNAME", server.accounts["user"].username)
    monkeypatch.setenv("RC_ADMIN_PASSWORD", server.accounts["user"].password)
    result = run_suite(pytester, base_url=server.url)
    _assert_usage_exit(result.text(), result.ret, "lacks the run-import permission")


@pytest.mark.parametrize(("profile", "status"), [("3.18", 400), ("8.8", 403)])
@pytest.mark.parametrize("kind", ["password", "token"])
def test_an_admin_whose_role_lost_run_import_cannot_test(
    pytester: pytest.Pytester,
    server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    profile: str,
    status: int,
    kind: str,
) -> None:
    """An operator removed run-import from the admin role: the server's permission list says no role of the account
    holds it, so the refusal is the set-up's, not a violation (README: exit 4)."""
    knobs = Knobs(operation=OPERATION, revoked=frozenset({"admin:run-import"}))
    prepare(monkeypatch, server, profile, knobs, admin=kind)
    result = run_suite(pytester, base_url=server.url)
    text = result.text()
    _assert_usage_exit(
        text,
        result.ret,
        f"the privileged account (admin) lacks the run-import permission: GET /api/v1/getImportProgress answered "
        f"{status}, and none of its roles (admin) holds it on this server (GET /api/v1/permissions.listAll: "
        "run-import is held by import-operator)",
        "Administration > Permissions",
    )
    assert "VIOLATION" not in text
    assert [r.path for r in server.requests].count("/api/v1/permissions.listAll") == 1


def test_a_refused_admin_whose_role_holds_run_import_is_a_violation(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The permission list grants run-import to admin, yet the endpoint refuses the admin: the server's fault."""
    knobs = Knobs(operation=OPERATION, faults=frozenset({"run-import-refused-to-its-holders"}))
    prepare(monkeypatch, server, "8.8", knobs)
    result = run_suite(pytester, base_url=server.url)
    assert result.ret == 1, result.text()
    assert result.verdicts["success.response"] == "violation"
    assert result.report is not None
    assert (
        "the privileged account's role admin holds run-import (GET /api/v1/permissions.listAll), yet "
        "GET /api/v1/getImportProgress refused it (403): the server's permission check is at fault"
    ) in result.report["notes"]


@pytest.mark.parametrize(
    ("method", "asked"),
    [
        ("email", "a code sent to the account's e-mail address"),
        ("totp", "a code from the account's authenticator app"),
        ("password", "the account's password once more as a second factor"),
    ],
)
def test_login_blocked_by_two_factor_names_the_method_asked_for(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, method: str, asked: str
) -> None:
    """totp-required carries the server's chosen method in details.method; the advice is about that method."""
    admin = server.accounts["admin"].username
    prepare(
        monkeypatch,
        server,
        "8.8",
        Knobs(operation=OPERATION, two_factor=frozenset({admin}), two_factor_method=method),
    )
    result = run_suite(pytester, base_url=server.url)
    text = result.text()
    _assert_usage_exit(text, result.ret, f"{asked} (two-factor method {method})", "RC_ADMIN_USER_ID/RC_ADMIN_TOKEN")
    if method != "email":
        assert "mail" not in text.lower(), text


def test_half_a_credential_pair_is_a_usage_error(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RC_ADMIN_PASSWORD")
    result = run_suite(pytester, base_url=server.url)
    _assert_usage_exit(result.text(), result.ret, "RC_ADMIN_PASSWORD is not set")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--rc-version", "eight"], "--rc-version"),
        (["--compliance-report", "out.pdf"], ".json, .md or .html"),
        (["--ca-bundle", "/nonexistent/ca.pem"], "no such file"),
        (["--reference-profile", "9.9"], "unknown profile"),
    ],
)
def test_bad_options_are_usage_errors(pytester: pytest.Pytester, args: list[str], needle: str) -> None:
    result = pytester.runpytest_inprocess(str(SUITE), "-p", "no:cacheprovider", *args)
    _assert_usage_exit(result.stdout.str() + result.stderr.str(), int(result.ret), needle)


def test_no_secret_in_any_output(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, server, "8.8", Knobs(operation=OPERATION, faults=frozenset({"progress-leaked-into-401"})))
    result = run_suite(pytester, "--provision-user", "-v", base_url=server.url, extra_files=True)
    assert result.ret == 1, result.text()
    secrets = server.secrets()
    assert secrets
    outputs = {"terminal": result.text(), **{p.name: p.read_text() for p in result.files}}
    for name, text in outputs.items():
        for secret in secrets:
            assert secret not in text, f"a secret appears in {name}"
    assert "[redacted]" in outputs["report.json"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_provision_run_leaves_no_user(
    server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, signum: signal.Signals
) -> None:
    prepare(monkeypatch, server, "5.4", Knobs(operation=OPERATION, delay_scale=3.0))
    before = server.user_ids()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RC_USER")}
    env["RC_ADMIN_USER_ID"] = server.accounts["admin"].user_id
    env["RC_ADMIN_TOKEN"] = server.accounts["admin"].token
    env.pop("RC_ADMIN_USERNAME", None)
    env.pop("RC_ADMIN_PASSWORD", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            str(SUITE),
            "-p",
            "no:cacheprovider",
            "--base-url",
            server.url,
            "--provision-user",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 90  # a bound under load, not a wait
    while server.user_ids() == before and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    assert server.user_ids() != before, "the run never created its user"
    process.send_signal(signum)  # at once: wherever the run is (drawing, setting up, sending), it must stop
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2, output
    assert server.user_ids() == before, output


SWALLOWING_PLUGIN = """
import os, signal

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        raise RuntimeError("no SIGTERM handler: the signal would kill this process")
    # A library that catches BaseException and carries on.
    try:
        os.kill(os.getpid(), signal.SIGTERM)
    except BaseException:
        pass
"""


def test_sigterm_whose_interrupt_is_swallowed_still_stops_the_run(
    pytester: pytest.Pytester, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM ends the session with exit status 2 before any traffic, even when its KeyboardInterrupt was lost."""
    prepare(monkeypatch, server, "8.8", Knobs(operation=OPERATION))
    pytester.makepyfile(swallowing=SWALLOWING_PLUGIN)
    pytester.syspathinsert()
    result = run_suite(pytester, "-p", "swallowing", base_url=server.url)
    assert result.ret == 2, result.text()
    assert "interrupted" in result.text()
    assert [r.path for r in server.requests] == []
