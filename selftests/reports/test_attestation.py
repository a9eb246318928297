"""Signed attestations (issue 26, items 3 and 5): `attest` writes an in-toto Statement v1 about the report file in a
DSSE envelope signed with Ed25519, which a second implementation (securesystemslib's DSSE, the in-toto-attestation
protobufs) parses and verifies as well; bad keys and bad attestations are one line, exit status 2."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf import json_format
from in_toto_attestation.predicates.test_result.v0 import test_result_pb2
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement
from report_files import write_key_pair
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

from rocketchat_contract.commands.main import main
from rocketchat_contract.reports.attestation import PAYLOAD_TYPE, PREDICATE_TYPE, key_id, pae
from rocketchat_contract.reports.model import digest

DATA = Path(__file__).resolve().parents[1] / "data" / "reports"


@pytest.fixture
def attested(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path, Path, Ed25519PrivateKey]:
    """A fixture report copied into the test's folder and attested there: report, attestation, public key, key."""
    report = tmp_path / "report.json"
    shutil.copyfile(DATA / "rc-9.9.json", report)
    private, public, key = write_key_pair(tmp_path)
    assert main(["attest", str(report), "--key", str(private)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"attested: {tmp_path / 'report.intoto.jsonl'} (signed by key {key_id(key.public_key())}")
    return report, tmp_path / "report.intoto.jsonl", public, key


def _statement(envelope: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(base64.b64decode(envelope["payload"]))
    return document


@pytest.mark.usefixtures("offline")
def test_a_second_implementation_verifies_the_envelope_and_parses_the_statement(
    attested: tuple[Path, Path, Path, Ed25519PrivateKey],
) -> None:
    report, attestation, public, key = attested
    text = attestation.read_text(encoding="utf-8")
    assert text.count("\n") == 1 and text.endswith("\n")  # one envelope, one line: an in-toto bundle
    envelope = Envelope.from_dict(json.loads(text))
    assert envelope.payload_type == PAYLOAD_TYPE
    verifier = SSlibKey.from_crypto(
        serialization.load_pem_public_key(public.read_bytes()), keyid=key_id(key.public_key())
    )
    assert list(envelope.verify([verifier], 1)) == [key_id(key.public_key())]
    other = SSlibKey.from_crypto(Ed25519PrivateKey.generate().public_key(), keyid=key_id(key.public_key()))
    with pytest.raises(Exception, match="threshold"):
        envelope.verify([other], 1)
    statement = Statement.copy_from_pb(json_format.Parse(envelope.payload, statement_pb2.Statement()))
    statement.validate()
    assert statement.pb.predicate_type == PREDICATE_TYPE
    assert statement.pb.subject[0].name == "report.json"
    assert statement.pb.subject[0].digest["sha256"] == hashlib.sha256(report.read_bytes()).hexdigest()
    predicate = json.loads(envelope.payload)["predicate"]
    result = json_format.ParseDict(predicate, test_result_pb2.TestResult())  # unknown fields would raise
    document = json.loads(report.read_text(encoding="utf-8"))
    assert result.result == "FAILED" and result.url == document["base_url"]
    assert list(result.failed_tests) == [c["id"] for c in document["clauses"] if c["verdict"] == "violation"]
    assert list(result.passed_tests) == [c["id"] for c in document["clauses"] if c["verdict"] == "conforms"]
    assert [d.digest["sha256"] for d in result.configuration if d.digest] == [document["registry"]["data_sha256"]]


def test_pae_and_key_id_are_the_specified_ones() -> None:
    """DSSE's PAE as the DSSE specification's example gives it and as securesystemslib computes it; the key id is the
    sha256 of the public key's DER."""
    assert (
        pae("http://example.com/HelloWorld", b"hello world")
        == b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    envelope = Envelope(b"{}", PAYLOAD_TYPE, {})
    assert pae(PAYLOAD_TYPE, b"{}") == envelope.pae()
    key = Ed25519PrivateKey.generate().public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert key_id(key) == hashlib.sha256(der).hexdigest()


@pytest.mark.usefixtures("offline")
def test_the_pair_made_with_the_documented_openssl_commands_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not on PATH: the documented key commands need it (apt-get install openssl)")
    private, public = tmp_path / "private.pem", tmp_path / "public.pem"
    subprocess.run([openssl, "genpkey", "-algorithm", "ed25519", "-out", str(private)], check=True, timeout=60)
    subprocess.run([openssl, "pkey", "-in", str(private), "-pubout", "-out", str(public)], check=True, timeout=60)
    report = tmp_path / "rc-8.8.json"
    shutil.copyfile(DATA / "rc-8.8.json", report)
    assert main(["attest", str(report), "--key", str(private), "--out", str(tmp_path / "a.intoto.jsonl")]) == 0
    argv = ["verify", str(report), "--attestation", str(tmp_path / "a.intoto.jsonl"), "--key", str(public)]
    capsys.readouterr()
    assert main(argv) == 0
    assert "signed by key" in capsys.readouterr().out


@pytest.mark.usefixtures("offline")
def test_attest_refuses_a_report_that_does_not_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads((DATA / "rc-9.9.json").read_text(encoding="utf-8"))
    step = next(c for c in document["clauses"] if c["verdict"] == "violation")
    step["verdict"] = "conforms"
    document["digest"] = digest(document)
    report = tmp_path / "edited.json"
    report.write_text(json.dumps(document), encoding="utf-8")
    private, _, _ = write_key_pair(tmp_path)
    assert main(["attest", str(report), "--key", str(private)]) == 1
    err = capsys.readouterr().err
    assert f"{report} does not verify, so it was not signed" in err
    assert f"{step['id']}: states conforms, its evidence gives violation" in err
    assert not (tmp_path / "edited.intoto.jsonl").exists()


def _bad_keys(folder: Path) -> dict[str, tuple[Path, str]]:
    """Key files attest must refuse, each with what its one line says."""
    encrypted = folder / "encrypted.pem"
    encrypted.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
    )
    _, public, _ = write_key_pair(folder, "public")
    garbage = folder / "garbage.pem"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", encoding="utf-8")
    return {
        "missing": (folder / "nowhere.pem", "no such file"),
        "encrypted": (encrypted, "the private key is encrypted"),
        "public": (public, "not a private key in PEM (PKCS#8); make a pair with `openssl genpkey"),
        "garbage": (garbage, "not a private key in PEM (PKCS#8)"),
    }


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize("kind", ["missing", "encrypted", "public", "garbage"])
def test_a_bad_private_key_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    path, says = _bad_keys(tmp_path)[kind]
    assert main(["attest", str(DATA / "rc-8.8.json"), "--key", str(path), "--out", str(tmp_path / "a.jsonl")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and says in err[0], err
    assert not (tmp_path / "a.jsonl").exists()


@pytest.mark.usefixtures("offline")
def test_bad_verify_arguments_and_attestations_are_one_line(
    attested: tuple[Path, Path, Path, Ed25519PrivateKey], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, attestation, public, _ = attested
    assert main(["verify", str(report), "--attestation", str(attestation)]) == 2
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith("--attestation needs --key: the attestation is checked with the signer's public key")
    )
    not_json = tmp_path / "not.jsonl"
    not_json.write_text("{}\n{}\n", encoding="utf-8")
    empty = tmp_path / "empty.json"
    empty.write_text("{}", encoding="utf-8")
    deep = tmp_path / "deep.intoto.jsonl"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")  # a traceback (RecursionError) before
    for path, says in (
        (not_json, "holds 2 lines; give a file with one envelope"),
        (empty, "not a DSSE envelope"),
        (deep, "nested deeper than 32 levels, so not a DSSE envelope"),
    ):
        assert main(["verify", str(report), "--attestation", str(path), "--key", str(public)]) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and says in err[0], err
    assert main(["verify", str(report), "--attestation", str(attestation), "--key", str(tmp_path / "vendor.pem")]) == 2
    assert "not a public key in PEM (SubjectPublicKeyInfo)" in capsys.readouterr().err
