"""Path-valued options work written with a space or with ``=``, from the repository root or elsewhere.

pytest takes a plugin option's spaced value for a test path when it looks for its rootdir (pytest issue #8846);
a path outside the project used to root the session there and collect the self-tests too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import trustme
import yaml

REPO = Path(__file__).resolve().parents[2]
DRIFT_ENTRY = {
    "id": "local-9-2-0-401-path",
    "clauses": ["auth.missing"],
    "versions": ">=9.2.0",
    "instead": {"status": 401, "body_schema": {"type": "object"}},
    "summary": "A local entry, only to have a valid file to name.",
    "source": "a self-test of the path options",
}


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Existing files outside the repository, one per path-valued option."""
    folder = tmp_path_factory.mktemp("outside")
    ca = folder / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(ca))
    report = folder / "run.json"
    report.write_text("{}")  # an earlier run's report: it exists on every CI re-run
    drift = folder / "drift.yaml"
    drift.write_text(yaml.safe_dump({"entries": [DRIFT_ENTRY]}))
    return {"--ca-bundle": ca, "--rc-ca-bundle": ca, "--compliance-report": report, "--extra-drift": drift}


def _collect(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RC_", "PYTEST_"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("form", ["space", "equals"])
@pytest.mark.parametrize("flag", ["--ca-bundle", "--rc-ca-bundle", "--compliance-report", "--extra-drift"])
@pytest.mark.parametrize("where", ["root", "elsewhere"])
def test_a_path_option_keeps_the_projects_rootdir(
    outside: dict[str, Path], tmp_path: Path, flag: str, form: str, where: str
) -> None:
    value = str(outside[flag])
    option = [flag, value] if form == "space" else [f"{flag}={value}"]
    cwd, paths = (REPO, []) if where == "root" else (tmp_path, [str(REPO / "tests")])
    result = _collect(cwd, *paths, "--base-url", "https://127.0.0.1:9", *option)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"rootdir: {REPO}\n" in result.stdout and "configfile: pytest.toml" in result.stdout
    assert "selftests" not in result.stdout and "<Module test_" in result.stdout


def test_in_process_the_space_form_is_one_line_naming_the_equals_form(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """``pytest.main`` cannot be run again: the user is told the form that works."""
    ca = tmp_path / "elsewhere" / "ca.pem"
    ca.parent.mkdir()
    trustme.CA().cert_pem.write_to_path(str(ca))
    result = pytester.runpytest_inprocess("--base-url", "https://127.0.0.1:9", "--ca-bundle", str(ca))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    message = (
        f"ERROR: --ca-bundle {ca}: pytest took this path for a test path before the plugin was loaded, which moves "
        f"its rootdir (pytest issue #8846); write --ca-bundle={ca}"
    )
    assert [line for line in result.stderr.lines if line.strip()] == [message]


@pytest.mark.parametrize("flag", ["--ca-bundle", "--rc-ca-bundle", "--compliance-report", "--extra-drift"])
def test_an_argument_file_with_the_space_form_is_one_line_and_the_equals_form_works(
    outside: dict[str, Path], tmp_path: Path, flag: str
) -> None:
    """``pytest @args.txt`` (one argument a line): a spaced path there moved the rootdir and the whole repository
    was collected, self-tests included; the file cannot be rewritten, so the user is told the form that works."""
    value = str(outside[flag])
    spaced = tmp_path / "args.txt"
    spaced.write_text(f"--base-url\nhttps://127.0.0.1:9\n{flag}\n{value}\n")
    result = _collect(REPO, f"@{spaced}")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    message = (
        f"ERROR: {flag} {value} (in the argument file {spaced}): pytest took this path for a test path before the "
        f"plugin was loaded, which moves its rootdir (pytest issue #8846); write {flag}={value} on one line of that "
        "file"
    )
    assert [line for line in result.stderr.splitlines() if line.strip()] == [message]
    assert "<Module" not in result.stdout
    joined = tmp_path / "joined.txt"
    joined.write_text(f"--base-url=https://127.0.0.1:9\n{flag}={value}\n")
    result = _collect(REPO, f"@{joined}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"rootdir: {REPO}\n" in result.stdout and "configfile: pytest.toml" in result.stdout
    assert "selftests" not in result.stdout and "<Module test_" in result.stdout
