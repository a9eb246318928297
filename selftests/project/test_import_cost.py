"""What each command imports before it does its work: `rocketchat-contract` builds every sub-command's parser, so a
sub-command's own modules load only when it runs (`run` becomes pytest, and paid 0.3 s for the fleet's and the
auditors' modules before it did); a fleet run reads reports and never loads the HTTP client its workers use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LIBRARIES = ("requests", "urllib3", "jsonschema", "jinja2", "cryptography", "rfc8785", "schemathesis", "hypothesis")
HTTP_CLIENT = ("requests", "urllib3", "rocketchat_contract.client.http", "schemathesis", "hypothesis")


def _loaded_after(code: str, watched: tuple[str, ...]) -> list[str]:
    """Which of ``watched`` a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {watched!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_the_command_line_builds_its_parsers_without_any_library() -> None:
    """Every sub-command's help (``run --help`` is pytest's, in a process of its own)."""
    code = (
        "import contextlib, io\n"
        "from rocketchat_contract.commands.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--help']) == 0\n"
        "    for command in ('diff', 'fleet', 'propose-drift', 'rejudge', 'verify', 'attest'):\n"
        "        assert main([command, '--help']) == 0\n"
    )
    assert _loaded_after(code, LIBRARIES) == []


def test_a_fleet_run_does_not_load_the_http_client(tmp_path: Path) -> None:
    """A whole fleet run (one unreachable target: its worker sends the requests, in a process of its own)."""
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("targets:\n  - name: down\n    base_url: http://127.0.0.1:9\n", encoding="utf-8")
    code = (
        "import contextlib, io\n"
        "from rocketchat_contract.commands.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    assert main(['fleet', {str(fleet)!r}, '--report', {str(tmp_path / 'fleet.json')!r}]) == 4\n"
    )
    assert _loaded_after(code, HTTP_CLIENT) == []
