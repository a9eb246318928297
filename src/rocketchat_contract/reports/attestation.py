"""Signed attestations of reports: an in-toto Statement v1 in a DSSE envelope, signed with Ed25519.

The statement's subject is the report file (its name and the sha256 of its bytes); its predicate is a
test-result (``https://in-toto.io/attestation/test-result/v0.1``): the result, what the run was judged with
(``configuration``), the target (``url``) and the clauses by verdict (conforms, known drift, violation as
passed, warned and failed tests). The envelope's signature is over DSSE's PAE of the payload type and the
statement's canonical JSON (RFC 8785); its ``keyid`` is the sha256 of the public key's DER. Keys are PEM files:
PKCS#8 private, SubjectPublicKeyInfo public (``openssl genpkey -algorithm ed25519``).

Only the key's holder can make a signature that verifies with its public key: an attestation proves who stated
the verdicts of exactly those bytes, which no digest inside a report can.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from rocketchat_contract.contract.reader import Limits, MiB, ReadError, decode, parse_json, read_bytes
from rocketchat_contract.reports.outcome import outcome
from rocketchat_contract.reports.render import ReportWriteError

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://in-toto.io/attestation/test-result/v0.1"
SUFFIX = ".intoto.jsonl"
"""An attestation's file name: the report's, with this instead of ``.json`` (one envelope, one line: the
in-toto bundle format)."""
KEYS = Limits("key files", 64 * 1024, max_depth=0)
"""A PEM Ed25519 key is a few hundred bytes."""
ATTESTATIONS = Limits("attestations", 16 * MiB, max_depth=32)
"""A fleet's lists of clauses are far smaller; an in-toto statement nests 5 deep."""
MAKE_KEYS = (
    "make a pair with `openssl genpkey -algorithm ed25519 -out PRIVATE.pem` and "
    "`openssl pkey -in PRIVATE.pem -pubout -out PUBLIC.pem`"
)


class AttestationError(ValueError):
    """A key or an attestation that cannot be used; the message is one line."""


def _read(path: Path, limits: Limits) -> bytes:
    """The file's bytes, by the one bounded reader of every file (contract/reader.py); AttestationError in one line."""
    try:
        return read_bytes(path, limits)
    except ReadError as exc:
        raise AttestationError(str(exc)) from None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key of a PKCS#8 PEM file (unencrypted); AttestationError in one line otherwise."""
    data = _read(path, KEYS)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise AttestationError(f"{path}: the private key is encrypted; give an unencrypted PKCS#8 PEM file") from None
    except (ValueError, UnsupportedAlgorithm):
        raise AttestationError(f"{path}: not a private key in PEM (PKCS#8); {MAKE_KEYS}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AttestationError(f"{path}: not an Ed25519 private key; {MAKE_KEYS}")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key of a SubjectPublicKeyInfo PEM file; AttestationError in one line otherwise."""
    data = _read(path, KEYS)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise AttestationError(
            f"{path}: not a public key in PEM (SubjectPublicKeyInfo); the signer's is made with "
            "`openssl pkey -in PRIVATE.pem -pubout -out PUBLIC.pem`"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise AttestationError(f"{path}: not an Ed25519 public key")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    """The sha256 of the public key's DER (SubjectPublicKeyInfo): the envelope's ``keyid``."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding: what the signature is over."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def statement(subject: str, content: bytes, predicate: dict[str, Any]) -> dict[str, Any]:
    """An in-toto Statement v1 about the file named ``subject`` with bytes ``content``."""
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": subject, "digest": {"sha256": hashlib.sha256(content).hexdigest()}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def sign(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The DSSE envelope of a statement, signed with ``key``."""
    payload = rfc8785.dumps(document)
    signature = key.sign(pae(PAYLOAD_TYPE, payload))
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [{"keyid": key_id(key.public_key()), "sig": base64.b64encode(signature).decode("ascii")}],
    }


_URL_SAFE = str.maketrans("-_", "+/")


def _b64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise AttestationError(f"the envelope's {what} is not a base64 string")
    standard = text.translate(_URL_SAFE)  # DSSE readers take either alphabet
    try:
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise AttestationError(f"the envelope's {what} is not base64") from None


def read_envelope(path: Path) -> dict[str, Any]:
    """A DSSE envelope from a file (one JSON object, as ``write_attestation`` writes it); AttestationError in one
    line when it is not one."""
    data = _read(path, ATTESTATIONS)
    try:
        envelope = parse_json(decode(data, str(path)), ATTESTATIONS, str(path))
    except ReadError as exc:
        lines = [line for line in data.splitlines() if line.strip()]
        if len(lines) > 1:
            raise AttestationError(f"{path}: holds {len(lines)} lines; give a file with one envelope") from None
        raise AttestationError(f"{exc}, so not a DSSE envelope") from None
    if not isinstance(envelope, dict) or not {"payloadType", "payload", "signatures"} <= set(envelope):
        raise AttestationError(f"{path}: not a DSSE envelope (payloadType, payload and signatures)")
    return envelope


def open_envelope(envelope: dict[str, Any], key: Ed25519PublicKey) -> dict[str, Any]:
    """The statement a DSSE envelope carries, once a signature by ``key`` over it verifies; AttestationError
    (one line) when none does or the payload is not an in-toto statement."""
    payload = _b64(envelope["payload"], "payload")
    signatures = envelope["signatures"] if isinstance(envelope["signatures"], list) else []
    wanted = key_id(key)
    signed = False
    for signature in signatures:
        if not isinstance(signature, dict):
            continue
        try:
            key.verify(_b64(signature.get("sig"), "signature"), pae(str(envelope["payloadType"]), payload))
        except InvalidSignature:
            continue
        signed = True
        break
    if not signed:
        named = sorted({str(s.get("keyid")) for s in signatures if isinstance(s, dict)})
        raise AttestationError(
            f"no signature in the attestation verifies with the key {wanted[:16]}… (its signatures name "
            f"{', '.join(k[:16] + '…' for k in named) or 'no key'}): another key signed it, or it was changed"
        )
    if envelope["payloadType"] != PAYLOAD_TYPE:
        raise AttestationError(f"the envelope's payloadType is {envelope['payloadType']!r}, not {PAYLOAD_TYPE}")
    try:
        document = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise AttestationError("the signed payload is not JSON") from None
    if not isinstance(document, dict):
        raise AttestationError("the signed payload is not an in-toto statement")
    return document


def attestation_path(report: Path) -> Path:
    """Where a report's attestation goes by default: beside it, ``run.json`` → ``run.intoto.jsonl``."""
    return report.with_name(report.name.removesuffix(report.suffix) + SUFFIX)


def write_attestation(
    report: Path, predicate: dict[str, Any], key: Ed25519PrivateKey, out: Path, content: bytes | None = None
) -> str:
    """Sign a statement about the file ``report`` (its bytes ``content``, by default as it is on disk now) and write
    its envelope to ``out``, one line; return the key id."""
    data = report.read_bytes() if content is None else content
    envelope = sign(statement(report.name, data, predicate), key)
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.write_text(json.dumps(envelope) + "\n", encoding="utf-8")
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return str(envelope["signatures"][0]["keyid"])


def attest_written(paths: list[Path], key_path: Path) -> None:
    """Sign each JSON compliance report at ``paths`` (just written by the run) into its attestation beside it;
    ReportWriteError names the ones that could not be."""
    failed = []
    for path in paths:
        try:
            content = path.read_bytes()
            write_attestation(
                path, report_predicate(json.loads(content)), load_private_key(key_path), attestation_path(path), content
            )
        except AttestationError as exc:
            failed.append(str(exc))
        except OSError as exc:
            failed.append(f"{attestation_path(path)} ({exc.strerror or exc})")
    if failed:
        raise ReportWriteError(f"could not write the attestation {', '.join(failed)}")


def result_of(failed: bool, warned: bool) -> str:
    """A test-result predicate's ``result``."""
    return "FAILED" if failed else "WARNED" if warned else "PASSED"


def configuration(registry: dict[str, Any]) -> list[dict[str, Any]]:
    """What a report was judged with, as resource descriptors: the suite, its contract data (the registry's
    content hash of ``contracts/`` and ``schemas/``) and each local drift file."""
    return [
        {"name": "rocketchat-contract", "uri": f"pkg:pypi/rocketchat-contract@{registry['suite_version']}"},
        {"name": "rocketchat-contract contracts/ and schemas/", "digest": {"sha256": registry["data_sha256"]}},
        *(
            {"name": entry["path"], **({"digest": {"sha256": entry["sha256"]}} if entry["sha256"] else {})}
            for entry in registry["extra_drift"]
        ),
    ]


def report_predicate(report: dict[str, Any]) -> dict[str, Any]:
    """The test-result predicate of a compliance report: its verdicts as passed, warned and failed tests."""
    by_verdict = {
        verdict: [c["id"] for c in report["clauses"] if c["verdict"] == verdict]
        for verdict in ("conforms", "known-drift", "violation", "not-verified")
    }
    result = outcome(report)
    return {
        "result": result_of(
            result.key == "fail", result.key != "pass" or bool(by_verdict["known-drift"] or by_verdict["not-verified"])
        ),
        "configuration": configuration(report["registry"]) if "registry" in report else [],
        "url": report["base_url"],
        "passedTests": by_verdict["conforms"],
        "warnedTests": by_verdict["known-drift"],
        "failedTests": by_verdict["violation"],
    }
