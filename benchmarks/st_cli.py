"""``schemathesis run`` as a user runs it (CLI, default settings), and reading its verdict back."""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from shutil import which
from typing import Any

import yaml
from measure import Proc, run

from rocketchat_contract.reference import Account
from rocketchat_contract.schemas import BASE_URI, store

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "contracts" / "getImportProgress.openapi.yaml"
PROJECT_CONFIG = REPO / "schemathesis.toml"
UNRESOLVED = "Unresolvable reference"
_FAILURE = re.compile(r"^\s*❌\s+(?P<title>.+?):\s+\d+\s*$")


def executable() -> str:
    """The schemathesis next to this interpreter (the venv's), else the one on PATH."""
    local = Path(sys.executable).with_name("schemathesis")
    return str(local) if local.exists() else (which("schemathesis") or "schemathesis")


def command(spec: Path, url: str, admin: Account, config: Path | None = None) -> list[str]:
    """Default settings unless ``config`` (the project's schemathesis.toml) is given."""
    return [
        executable(),
        *(["--config-file", str(config)] if config else []),
        "run",
        str(spec),
        "--url",
        url,
        "-H",
        f"X-User-Id: {admin.user_id}",
        "-H",
        f"X-Auth-Token: {admin.token}",
    ]


def run_schemathesis(
    spec: Path, url: str, admin: Account, cwd: Path, config: Path | None = None, timeout: float = 300.0
) -> Proc:
    """Run in ``cwd`` (a temp dir: no schemathesis.toml found, its caches stay out of the repository)."""
    env = dict(os.environ, RC_ADMIN_USER_ID=admin.user_id, RC_ADMIN_TOKEN=admin.token)
    return run(command(spec, url, admin, config), cwd=cwd, env=env, timeout=timeout)


def project_config() -> Path | None:
    return PROJECT_CONFIG if PROJECT_CONFIG.is_file() else None


def forget_failures(cwd: Path) -> None:
    """Drop schemathesis's failure cache (``.schemathesis``), which replays earlier failures first.

    ``.hypothesis`` stays: its unicode charmap cache is what makes a first run in a new directory ~1 s slower.
    """
    shutil.rmtree(cwd / ".schemathesis", ignore_errors=True)


def _section(text: str, start: str, stop: str) -> str:
    if start not in text:
        return ""
    return text.split(start, 1)[1].split(stop, 1)[0]


@dataclass(frozen=True)
class Outcome:
    """Schemathesis's verdict: the distinct failure titles, or an error that is no verdict at all."""

    returncode: int
    failures: frozenset[str]
    error: str | None

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(title.split(" ", 1)[0] for title in self.failures)


def outcome(proc: Proc) -> Outcome:
    """exit 0 = no failure; exit 1 with a Failures section = failures; anything else is an error."""
    summary = proc.stdout.rsplit("SUMMARY", 1)[-1]
    titles = frozenset(
        m["title"] for line in _section(summary, "Failures:", "Test cases:").splitlines() if (m := _FAILURE.match(line))
    )
    error = None
    if proc.timed_out:
        error = "timed out"
    elif proc.returncode not in (0, 1):
        error = f"exit {proc.returncode} (configuration or schema error)"
    elif proc.returncode == 1 and not titles:
        error = "exit 1 with errors only (no check failed)"
    return Outcome(proc.returncode, titles, error)


def unresolved(proc: Proc) -> bool:
    return UNRESOLVED in proc.stdout or UNRESOLVED in proc.stderr


# -- bundling (only used when schemathesis cannot follow the fragment's relative $refs) ---------------


def _key(relative: str) -> str:
    return relative.removesuffix(".schema.json").replace("/", "__")


class _Bundler:
    """Copy every referenced schema file into components/schemas and point each $ref there."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.schemas: dict[str, Any] = spec.setdefault("components", {}).setdefault("schemas", {})

    def target(self, ref: str, base: str | None) -> str:
        location, _, pointer = ref.partition("#")
        if not location:
            return f"#/components/schemas/{_key(base)}{pointer}" if base else ref
        if location.startswith(BASE_URI):
            relative = location.removeprefix(BASE_URI)
        elif base is None:
            relative = posixpath.normpath(posixpath.join("contracts", location)).removeprefix("schemas/")
        else:
            relative = posixpath.normpath(posixpath.join(posixpath.dirname(base), location))
        self.include(relative)
        return f"#/components/schemas/{_key(relative)}{pointer}"

    def include(self, relative: str) -> None:
        key = _key(relative)
        if key not in self.schemas:
            self.schemas[key] = {}
            self.schemas[key] = self.rewrite(store().documents[relative], relative)

    def rewrite(self, node: Any, base: str | None) -> Any:
        if isinstance(node, list):
            return [self.rewrite(item, base) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for name, value in node.items():
            if name in ("$id", "$schema"):
                continue
            is_ref = name == "$ref" and isinstance(value, str)
            out[name] = self.target(value, base) if is_ref else self.rewrite(value, base)
        return out


def bundle(spec: Path, dest: Path) -> Path:
    """Write ``spec`` with every ``../schemas/*.json`` $ref inlined (via ``rocketchat_contract.schemas.store()``)."""
    document = yaml.safe_load(spec.read_text(encoding="utf-8"))
    bundler = _Bundler(document)
    document["paths"] = bundler.rewrite(document["paths"], None)
    dest.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return dest
