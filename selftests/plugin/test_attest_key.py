"""`--attest-key` (issue 26, item 3): the run signs each JSON compliance report it writes, beside it; a key it
cannot use, or nothing to sign, is one line and exit status 4 before any request."""

from __future__ import annotations

import pytest
from report_files import write_key_pair
from suite_runner import OPERATION, SUITE, prepare, run_suite

from rocketchat_contract.commands.main import main
from rocketchat_contract.reference import Knobs, ReferenceServer
from rocketchat_contract.reference.fixtures import *  # noqa: F403


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one-process", "xdist"])
def test_the_run_signs_its_json_report(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    workers: tuple[str, ...],
) -> None:
    private, public = write_key_pair(pytester.path)[:2]
    server = prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION))
    result = run_suite(pytester, "--attest-key", str(private), *workers, base_url=server.url)
    assert result.ret == 0, result.text()
    report, attestation = pytester.path / "out" / "report.json", pytester.path / "out" / "report.intoto.jsonl"
    assert attestation.is_file(), result.text()
    assert "BEGIN PRIVATE KEY" not in result.text()
    capsys.readouterr()
    assert main(["verify", str(report), "--attestation", str(attestation), "--key", str(public)]) == 0
    assert capsys.readouterr().out.startswith("consistent, signed by key ")


def _refused(pytester: pytest.Pytester, server: ReferenceServer, *args: str) -> str:
    result = pytester.runpytest_inprocess(str(SUITE), "-p", "no:cacheprovider", "-q", "--base-url", server.url, *args)
    text = result.stdout.str() + result.stderr.str()
    assert result.ret == 4, text
    assert server.requests == [], "a request was sent before the option was refused"
    return text


def test_a_key_it_cannot_use_is_one_line_before_any_request(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION))
    _, public = write_key_pair(pytester.path)[:2]
    report = str(pytester.path / "r.json")
    text = _refused(pytester, server, "--attest-key", str(public), "--compliance-report", report)
    assert f"--attest-key {public}: not a private key in PEM (PKCS#8)" in text, text
    assert "Traceback" not in text


def test_nothing_to_sign_is_one_line_before_any_request(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION))
    private, _ = write_key_pair(pytester.path)[:2]
    text = _refused(pytester, server, "--attest-key", str(private), "--compliance-report", str(pytester.path / "r.md"))
    assert "signs the JSON compliance report, and none is asked for; add --compliance-report PATH.json" in text, text
