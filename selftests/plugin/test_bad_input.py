"""Ordinary mistakes end with one clear line and exit status 4: no traceback, no verdict block, no secret.

One table of bad inputs across options, ini values, environment variables, report paths and server answers;
every case runs the contract suite the way a user does (in-process, ``-q``) with real credentials in the
environment, and must stop with a message that names what was wrong.
"""

from __future__ import annotations

import importlib
import json
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme
from suite_runner import SUITE, credentials_env, prepare, run_suite
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

from rocketchat_contract.reference import Knobs, Operation, ReferenceServer
from rocketchat_contract.reference.fixtures import *  # noqa: F403

OPERATION = Operation.parse("csv:importer_done:10/10")
MAX_LINES = 3
NOT_EMBEDDED = ("the target is the embedded",)
"""The header of a run against the embedded server: a bad base URL must never fall back to it."""
"""pytest's own framing included: ``ERROR: …``, or ``no tests ran in …`` plus the exit line."""


@dataclass
class Info:
    """What the wrapped server answers on ``GET /api/info`` (None: the reference server's own answer)."""

    body: str | None = None
    content_type: str = "application/json"


@dataclass
class Target:
    reference: ReferenceServer
    url: str
    info: Info


class QuietHandler(WSGIRequestHandler):
    """No access log: every case sends dozens of requests."""

    def log(self, type: str, message: str, *args: Any) -> None:
        return None


@pytest.fixture
def target(reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    """The reference server behind a wrapper that can change ``/api/info``, with its accounts in RC_*."""
    prepare(monkeypatch, reference_server, knobs=Knobs(operation=OPERATION))
    info = Info()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ["PATH_INFO"] == "/api/info" and info.body is not None:
            return Response(info.body, content_type=info.content_type)(environ, start_response)
        return reference_server.wsgi_app(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Target(reference_server, f"http://127.0.0.1:{server.port}", info)
    server.shutdown()


@dataclass(frozen=True)
class Bad:
    """One bad input: arguments (``{url}``, ``{tmp}``, ``{file}``, ``{dir}`` filled in), environment, /api/info body."""

    id: str
    needle: str
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    info: str | None = None
    absent: tuple[str, ...] = ()
    """Text the output must not contain (a misleading phrase, or a value that is a secret)."""


def _version(text: str) -> str:
    return json.dumps({"version": text, "success": True})


CASES = [
    # options
    Bad(
        "port-out-of-range",
        "--base-url 'http://127.0.0.1:99999': the port is out of range",
        ("--base-url", "http://127.0.0.1:99999"),
    ),
    Bad("not-a-url", "--base-url 'not a url': not a URL", ("--base-url", "not a url")),
    Bad("unclosed-ipv6", "IPv6 address must be enclosed", ("--base-url", "http://[::1")),
    Bad("no-host", "--base-url 'http://': the URL names no host", ("--base-url", "http://")),
    Bad("ftp-scheme", "not an http or https URL", ("--base-url", "ftp://chat.example.com")),
    Bad("zero-timeout", "--request-timeout 0: expected a number of seconds greater than 0", ("--request-timeout", "0")),
    Bad("negative-timeout", "--rc-request-timeout -5: expected", ("--rc-request-timeout=-5",)),
    Bad("nan-timeout", "--request-timeout nan", ("--request-timeout", "nan")),
    Bad(
        "zero-deadline",
        "--rc-request-deadline 0: expected a number of seconds greater than 0",
        ("--rc-request-deadline", "0"),
    ),
    Bad(
        "word-max-body",
        "--rc-max-body lots: expected a number of bytes from 1024 to 256MiB, or with KiB or MiB (e.g. 4MiB)",
        ("--rc-max-body", "lots"),
    ),
    Bad("tiny-max-body", "--rc-max-body 100: expected a number of bytes from 1024", ("--rc-max-body", "100")),
    Bad("huge-max-body", "--rc-max-body 1024MiB: expected", ("--rc-max-body", "1024MiB")),
    Bad("decimal-unit-max-body", "--rc-max-body 4MB: expected", ("--rc-max-body", "4MB")),
    Bad(
        "negative-wait",
        "--rc-rate-limit-wait -1: expected a number of seconds 0 or more",
        ("--rc-rate-limit-wait", "-1"),
    ),
    # values argparse used to refuse with pytest's usage message (several lines): the form's one line now
    Bad(
        "word-deadline",
        "--rc-request-deadline abc: expected a number of seconds greater than 0",
        ("--rc-request-deadline", "abc"),
    ),
    Bad("word-timeout-alias", "--request-timeout soon: expected a number of seconds", ("--request-timeout", "soon")),
    Bad("word-wait", "--rate-limit-wait later: expected a number of seconds 0 or more", ("--rate-limit-wait=later",)),
    Bad("word-fuzz-examples", "--fuzz-examples many: expected a whole number from 1", ("--fuzz-examples", "many")),
    Bad("word-fuzz-seed", "--fuzz-seed lucky: expected a whole number", ("--fuzz-seed", "lucky")),
    Bad(
        "addopts-timeout",
        "--rc-request-timeout 0: expected a number of seconds greater than 0",
        env={"PYTEST_ADDOPTS": "--rc-request-timeout=0"},
    ),
    Bad("four-part-version", "--rc-version '8.8.8.8': expected X.Y or X.Y.Z", ("--rc-version", "8.8.8.8")),
    Bad("word-version", "--rc-version 'eight'", ("--rc-version", "eight")),
    Bad(
        "operation-spec",
        "--reference-operation 'garbage': expected KEY:STEP",
        ("--reference-operation", "garbage"),
        absent=("embedded",),
    ),
    Bad("unknown-profile", "--reference-profile '9.9': unknown profile", ("--reference-profile", "9.9")),
    Bad("no-fuzz-examples", "--fuzz-examples 0", ("--fuzz-examples", "0")),
    Bad("missing-ca-bundle", "--ca-bundle /nonexistent/ca.pem: no such file", ("--ca-bundle", "/nonexistent/ca.pem")),
    Bad("ca-bundle-folder", "is a folder", ("--ca-bundle", "{tmp}")),
    # an empty base URL (an unset CI variable) must not test the embedded server and pass
    Bad("empty-base-url", "--base-url is empty", ("--base-url", ""), absent=NOT_EMBEDDED),
    Bad("empty-base-url-equals", "--base-url is empty", ("--base-url=",), absent=NOT_EMBEDDED),
    Bad("blank-base-url", "--base-url holds only whitespace", ("--base-url", "  "), absent=NOT_EMBEDDED),
    Bad("empty-env-base-url", "PYTEST_BASE_URL is empty", env={"PYTEST_BASE_URL": ""}, absent=NOT_EMBEDDED),
    Bad("empty-ini-base-url", "ini base_url is empty", ("-o", "base_url="), absent=NOT_EMBEDDED),
    # whitespace in the URL is named as such, not as a bad port or host
    Bad(
        "url-trailing-space",
        "--base-url 'http://127.0.0.1:3000 ': the URL starts or ends with whitespace",
        ("--base-url", "http://127.0.0.1:3000 "),
        absent=("not a number",),
    ),
    Bad(
        "url-trailing-newline",
        "PYTEST_BASE_URL 'https://chat.example.com\\n': the URL starts or ends with whitespace",
        env={"PYTEST_BASE_URL": "https://chat.example.com\n"},
        absent=("not a valid host name",),
    ),
    Bad("url-inner-space", "the URL contains whitespace", ("--base-url", "http://chat example.com")),
    Bad(
        "too-many-fuzz-examples",
        "--fuzz-examples 100000000: expected a whole number from 1 to 1000",
        ("--fuzz-examples", "100000000"),
    ),
    Bad(
        "operation-done-over-total",
        "--reference-operation 'csv:importer_done:600/500': 600 done is more than the total of 500",
        ("--reference-operation", "csv:importer_done:600/500"),
        absent=NOT_EMBEDDED,
    ),
    # ini values
    Bad("ini-zero-timeout", "ini rc_request_timeout '0'", ("-o", "rc_request_timeout=0")),
    Bad(
        "ini-word-timeout",
        "ini rc_request_timeout 'abc'",
        ("-o", "rc_request_timeout=abc", "--base-url", "http://127.0.0.1:1"),
        absent=("embedded",),
    ),
    Bad("ini-zero-deadline", "ini rc_request_deadline '0'", ("-o", "rc_request_deadline=0")),
    Bad("ini-max-body", "ini rc_max_body '-1': expected a number of bytes", ("-o", "rc_max_body=-1")),
    Bad("ini-bool", "ini rc_strict_docs: expected true or false", ("-o", "rc_strict_docs=maybe")),
    Bad("ini-bool-verified", "ini rc_require_verified", ("-o", "rc_require_verified=perhaps")),
    Bad("ini-profile", "ini rc_reference_profile 'nope'", ("-o", "rc_reference_profile=nope")),
    Bad("ini-base-url", "ini base_url 'chat.example.com'", ("-o", "base_url=chat.example.com")),
    # environment
    Bad("env-base-url", "PYTEST_BASE_URL 'http://[::1'", env={"PYTEST_BASE_URL": "http://[::1"}),
    Bad("env-ca-bundle", "RC_CA_BUNDLE /nonexistent/ca.pem", env={"RC_CA_BUNDLE": "/nonexistent/ca.pem"}),
    Bad(
        "token-with-line-end",
        "RC_USER_TOKEN starts or ends with whitespace or a line break",
        env={"RC_USER_ID": "{user_id}", "RC_USER_TOKEN": "{user_token}\n"},
    ),
    Bad(
        "id-with-space",
        "RC_ADMIN_USER_ID contains spaces",
        env={"RC_ADMIN_USER_ID": "abc def", "RC_ADMIN_TOKEN": "{admin_token}"},
    ),
    Bad("half-a-pair", "RC_ADMIN_TOKEN is not set", env={"RC_ADMIN_USER_ID": "abc"}),
    # report paths
    Bad("report-under-a-file", "{file} is a file, not a folder", ("--compliance-report", "{file}/report.json")),
    Bad("report-deep-under-a-file", "{file} is a file, not a folder", ("--compliance-report", "{file}/sub/report.md")),
    Bad("report-is-a-folder", "that is a folder", ("--compliance-report", "{dir}")),
    Bad("report-extension", "the name must end in .json, .md or .html", ("--compliance-report", "report.pdf")),
    # server answers
    Bad("version-one-number", "GET /api/info reported the version '7'", ("--base-url", "{url}"), info=_version("7")),
    Bad("version-empty", "GET /api/info reported the version ''", ("--base-url", "{url}"), info=_version("")),
    Bad("version-word", "pass --rc-version X.Y[.Z]", ("--base-url", "{url}"), info=_version("banana")),
    Bad(
        "info-past-the-cap",
        "cannot test {url}: GET {url}/api/info answered 200 with a body larger than 1024 bytes, the most the suite "
        "reads of an answer (--rc-max-body); it stopped reading there",
        ("--base-url", "{url}", "--rc-max-body", "1KiB"),
        info=json.dumps({"version": "8.8.0", "success": True, "padding": " " * 4096}),
    ),
    Bad(
        "version-not-a-string",
        "does not look like a Rocket.Chat server",
        ("--base-url", "{url}"),
        info=json.dumps({"version": 8.8}),
    ),
]


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    file = tmp_path / "a-file"
    file.write_text("not a folder\n")
    folder = tmp_path / "report.json"
    folder.mkdir()
    return {"tmp": str(tmp_path), "file": str(file), "dir": str(folder)}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_gets_one_line(
    case: Bad, pytester: pytest.Pytester, target: Target, monkeypatch: pytest.MonkeyPatch, paths: dict[str, str]
) -> None:
    accounts = target.reference.accounts
    values = {
        **paths,
        "url": target.url,
        "user_id": accounts["user"].user_id,
        "user_token": accounts["user"].token,
        "admin_token": accounts["admin"].token,
    }
    for name, value in case.env.items():
        monkeypatch.setenv(name, value.format(**values))
    target.info.body = case.info
    args = [arg.format(**values) for arg in case.args]
    result = pytester.runpytest_inprocess(str(SUITE), "-p", "no:cacheprovider", "-q", *args)
    text = result.stdout.str() + result.stderr.str()
    assert_one_line_exit(text, int(result.ret), case.needle.format(**values), target.reference.secrets())
    for phrase in case.absent:
        assert phrase not in text, text


def assert_one_line_exit(text: str, ret: int, needle: str, secrets: set[str]) -> None:
    """Exit status 4, the needle, no traceback, no verdict block, a few lines, no secret."""
    assert ret == 4, text
    assert needle in text, text
    assert "Traceback" not in text and "INTERNALERROR" not in text, text
    assert "0 conforms" not in text, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) <= MAX_LINES, text
    for secret in secrets:
        assert secret not in text, "a secret appears in the output"


@pytest.mark.parametrize(
    ("reported", "placed"), [("8.9.0-develop", "8.9.0"), ("9.0.0-rc.3", "9.0.0"), ("8.8.1+abc", "8.8.1")]
)
def test_develop_and_release_candidate_servers_are_placed_by_release(
    pytester: pytest.Pytester,
    target: Target,
    reported: str,
    placed: str,
) -> None:
    target.info.body = json.dumps({"version": reported, "success": True})
    result = run_suite(pytester, base_url=target.url)
    assert result.ret == 0, result.text()
    assert result.report is not None and result.report["server_version"] == reported.split("+")[0]
    note = f"'{reported}' is a pre-release or build of Rocket.Chat {placed}"
    assert any(n.startswith(note) for n in result.report["notes"]), result.report["notes"]
    assert "pre-release or build" in result.text()


def test_report_folder_that_cannot_be_written(pytester: pytest.Pytester) -> None:
    folder = Path("/sys")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pytest.skip("/sys is writable here; the case needs a folder the run cannot write in")
    except OSError:
        pass
    result = pytester.runpytest_inprocess(
        str(SUITE), "-p", "no:cacheprovider", "-q", "--compliance-report", "/sys/r.json"
    )
    assert_one_line_exit(
        result.stdout.str() + result.stderr.str(), int(result.ret), "cannot write in the folder /sys", set()
    )


def test_missing_report_folder_is_created_and_noted(pytester: pytest.Pytester, tmp_path: Path) -> None:
    report = tmp_path / "new" / "folder" / "r.json"
    result = pytester.runpytest_inprocess(
        str(SUITE), "-p", "no:cacheprovider", "-q", "--compliance-report", str(report)
    )
    assert result.ret == 0, result.stdout.str()
    assert f"created the folder {report.parent} for r.json" in result.stdout.str()
    assert json.loads(report.read_text())["notes"][0] == f"created the folder {report.parent} for r.json"


def test_a_report_that_cannot_be_written_at_the_end_is_one_line_and_exit_4(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up during the run: the verdicts stand, the missing report is named in one line, the
    run that would have passed exits 4, and the report written before survives whole."""
    render = importlib.import_module("rocketchat_contract.reports.render")  # the package's render() hides it

    report = tmp_path / "r.json"
    report.write_text('{"previous": true}')

    def full_disk(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render, "_replace", full_disk)
    result = pytester.runpytest_inprocess(
        str(SUITE), "-p", "no:cacheprovider", "-q", "--compliance-report", str(report)
    )
    text = result.stdout.str() + result.stderr.str()
    assert result.ret == 4, text
    assert f"rocketchat-contract: could not write the report {report} (No space left on device)" in text
    assert "Traceback" not in text and "INTERNALERROR" not in text
    assert json.loads(report.read_text()) == {"previous": True}


def test_help_works_whatever_the_environment(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_BASE_URL", "http://[::1")
    monkeypatch.setenv("RC_ADMIN_USER_ID", "abc")
    result = pytester.runpytest_inprocess("--help", "-p", "no:cacheprovider")
    assert result.ret == 0
    assert "--request-timeout" in result.stdout.str()


def test_under_privileged_admin_is_a_set_up_error(
    pytester: pytest.Pytester, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = target.reference.accounts["admin"]
    monkeypatch.setenv("RC_USER_USERNAME", admin.username)
    monkeypatch.setenv("RC_USER_PASSWORD", admin.password)
    result = pytester.runpytest_inprocess(str(SUITE), "-p", "no:cacheprovider", "-q", "--base-url", target.url)
    text = result.stdout.str() + result.stderr.str()
    assert_one_line_exit(text, int(result.ret), "is the privileged account itself", target.reference.secrets())
    assert "Set RC_USER_ID/RC_USER_TOKEN or RC_USER_USERNAME/RC_USER_PASSWORD" in text


def test_under_privileged_account_with_the_admin_role(
    pytester: pytest.Pytester, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = target.reference.accounts["user"]
    with target.reference.app.lock:
        target.reference.app.state.users[user.user_id].roles.append("admin")
    result = pytester.runpytest_inprocess(str(SUITE), "-p", "no:cacheprovider", "-q", "--base-url", target.url)
    text = result.stdout.str() + result.stderr.str()
    assert_one_line_exit(
        text,
        int(result.ret),
        f"'{user.username}' (RC_USER_USERNAME/RC_USER_PASSWORD) is an admin",
        target.reference.secrets(),
    )


def test_a_server_that_skips_its_permission_check_is_still_a_violation(
    pytester: pytest.Pytester, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The set-up check must not excuse the server: a plain user let through is a violation, not exit 4."""
    target.reference.reset(knobs=Knobs(operation=OPERATION, faults=frozenset({"skip-permission-check"})))
    credentials_env(monkeypatch, target.reference)
    result = run_suite(pytester, base_url=target.url)
    assert result.ret == 1, result.text()
    assert result.verdicts["permission.run-import"] == "violation"


def test_wrong_password_names_the_request_once(
    pytester: pytest.Pytester, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RC_ADMIN_PASSWORD", "not-the-password")
    result = pytester.runpytest_inprocess(str(SUITE), "-p", "no:cacheprovider", "-q", "--base-url", target.url)
    text = result.stdout.str() + result.stderr.str()
    assert_one_line_exit(
        text, int(result.ret), "could not log in: POST /api/v1/login answered 401", target.reference.secrets()
    )
    assert text.count("/api/v1/login") == 1, text


def test_multi_line_html_answer_is_one_line(pytester: pytest.Pytester, target: Target) -> None:
    target.info.body, target.info.content_type = "<html>\n  <body>\n    Maintenance\n  </body>\n</html>\n", "text/html"
    result = pytester.runpytest_inprocess(str(SUITE), "-p", "no:cacheprovider", "-q", "--base-url", target.url)
    text = result.stdout.str() + result.stderr.str()
    assert_one_line_exit(text, int(result.ret), "<html> <body> Maintenance </body> </html>", target.reference.secrets())


def test_requested_reports_say_why_nothing_was_judged(pytester: pytest.Pytester, tmp_path: Path) -> None:
    reports = [tmp_path / f"r{suffix}" for suffix in (".json", ".md", ".html")]
    args = [arg for path in reports for arg in ("--compliance-report", str(path))]
    result = pytester.runpytest_inprocess(
        str(SUITE), "-p", "no:cacheprovider", "-q", "--base-url", "http://127.0.0.1:1", *args
    )
    assert_one_line_exit(result.stdout.str() + result.stderr.str(), int(result.ret), "connection refused", set())
    report = json.loads(reports[0].read_text())
    assert report["clauses"] == [] and "connection refused" in report["aborted"]
    assert not [note for note in report["notes"] if "Nothing was judged" in note], "a field, not a note: aborted"
    for path in reports[1:]:
        assert "Nothing was judged" in path.read_text(), path


def test_options_a_combination_makes_meaningless_are_noted(
    pytester: pytest.Pytester, target: Target, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(trustme.CA().cert_pem.bytes())  # a real bundle: its only fault is an http target
    args = [
        "--provision-user",
        "--reference-profile",
        "7.3",
        "--reference-operation",
        "none",
        "--ca-bundle",
        str(bundle),
    ]
    result = run_suite(pytester, *args, base_url=target.url)
    assert result.ret == 0, result.text()
    assert result.report is not None
    notes = result.report["notes"]
    for expected in (
        "--provision-user is ignored: RC_USER_USERNAME/RC_USER_PASSWORD already name the under-privileged account",
        "--reference-profile is ignored with --base-url",
        "--reference-operation is ignored with --base-url",
        "--ca-bundle is ignored: the target is not an https URL",
    ):
        assert any(note.startswith(expected) for note in notes), notes
        assert f"note: {expected}" in result.text()
    assert not [r for r in target.reference.requests if r.path == "/api/v1/users.create"], "a user was provisioned"


def test_credentials_without_a_base_url_are_noted(pytester: pytest.Pytester, target: Target) -> None:
    result = run_suite(pytester)
    assert result.ret == 0, result.text()
    assert "note: the RC_* credential variables are ignored" in result.text()
