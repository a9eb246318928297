"""Reports as files, for the self-tests that edit, forge or sign them: read one, write one, make one from the
fixtures' generator, and an Ed25519 key pair as a vendor keeps it."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

FIXTURES = Path(__file__).resolve().parent / "data" / "reports"


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def save(document: dict[str, Any], path: Path) -> Path:
    """Write ``document`` as the suite writes reports (indented, non-ASCII as it is); return the path."""
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def fixture_generator() -> ModuleType:
    """The fixtures' generator (selftests/data/reports/generate.py), as a module."""
    spec = importlib.util.spec_from_file_location("report_fixtures", FIXTURES / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_key_pair(folder: Path, name: str = "vendor") -> tuple[Path, Path, Ed25519PrivateKey]:
    """An Ed25519 key pair as `openssl genpkey -algorithm ed25519` writes it (PKCS#8 and SubjectPublicKeyInfo PEM):
    ``folder/NAME.pem``, ``folder/NAME.pub.pem``, and the key."""
    key = Ed25519PrivateKey.generate()
    private, public = folder / f"{name}.pem", folder / f"{name}.pub.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return private, public, key
