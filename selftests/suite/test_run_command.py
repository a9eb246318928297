"""``rocketchat-contract run``: the contract suite run by pytest from any directory, with every option, report and
exit status of a checkout run (issue 27). Each run is the installed command in a child process, standing in a
folder of its own; selftests/project/test_wheel.py does the same from an installed wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from suite_runner import OPERATION, prepare

from rocketchat_contract.commands.main import main
from rocketchat_contract.commands.run import _cache_off, pytest_arguments
from rocketchat_contract.contract.data import data_root, suite_config, suite_dir
from rocketchat_contract.reference import Knobs, ReferenceServer

COMMAND = Path(sys.executable).with_name("rocketchat-contract")
TRAP_CONFIG = "[pytest]\naddopts = --collect-only -p no:rocketchat_contract\n"
"""A configuration of the user's own directory: were it read, nothing would run."""
FAULT = "progress-leaked-into-401"
TRAP_CONFTEST = "raise RuntimeError('the conftest.py of the directory the user stands in was loaded')\n"


def _run(cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [str(COMMAND), "run", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An unrelated directory with a pytest configuration and a conftest.py of its own."""
    (tmp_path / "pytest.ini").write_text(TRAP_CONFIG)
    (tmp_path / "conftest.py").write_text(TRAP_CONFTEST)
    return tmp_path


def test_a_run_from_elsewhere_is_a_checkout_run(
    folder: Path, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pytest-xdist, a spaced path option whose file exists (an earlier run's report), reports at paths relative
    to the working directory, the exit status of a violation, and the suite's own configuration."""
    prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION, faults=frozenset({FAULT})))
    (folder / "earlier.json").write_text("{}")
    done = _run(
        folder, "-n", "2", "--base-url", reference_server.url,
        "--compliance-report", "earlier.json", "--compliance-report=out/report.html",
    )  # fmt: skip
    text = done.stdout + done.stderr
    assert done.returncode == 1, text
    assert f"rootdir: {data_root()}\n" in text and "configfile: pytest.toml" in text
    assert "created: 2/2 workers" in text and "rocketchat-contract verdicts" in text
    report = json.loads((folder / "earlier.json").read_text())
    assert {c["id"]: c["verdict"] for c in report["clauses"]}["errors.no-leak"] == "violation"
    assert (folder / "out" / "report.html").is_file()
    assert (folder / ".pytest_cache").is_dir()


def test_help_is_pytests_with_the_suites_options_and_what_run_adds(folder: Path) -> None:
    done = _run(folder, "--help", timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: rocketchat-contract run [pytest options]\n")
    assert f"({suite_dir()})" in done.stdout and "\nrocketchat-contract:\n" in done.stdout
    assert "usage: python -m pytest [options] [file_or_dir]" in done.stdout
    assert "--provision-user" in done.stdout


def test_without_pytests_cache_nothing_is_written_here(folder: Path) -> None:
    """``cache_dir`` is no ini value without the cache plugin: run must not pass it then (--strict-config)."""
    done = _run(folder, "-p", "no:cacheprovider", "--collect-only", "-q", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "23 tests collected" in done.stdout
    assert not (folder / ".pytest_cache").exists()


def test_a_cache_that_cannot_be_written_is_a_warning(
    folder: Path, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(monkeypatch, reference_server)
    done = _run(folder, "--base-url", reference_server.url, "-k", "method", "-o", "cache_dir=/proc/no-such-folder")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "could not create cache path /proc/no-such-folder" in done.stdout


def test_an_untestable_target_is_pytests_status_4_with_the_aborted_report_here(folder: Path) -> None:
    done = _run(folder, "--base-url", "http://127.0.0.1:9", "--compliance-report", "r.json", timeout=120)
    assert done.returncode == 4, done.stdout + done.stderr
    assert json.loads((folder / "r.json").read_text())["aborted"]


def test_run_hands_every_argument_to_pytest_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    given = ["-k", "auth and not empty", "--", "--base-url"]
    arguments = pytest_arguments(given, {})
    assert arguments[:3] == [str(suite_dir()), f"--config-file={suite_config()}", "-o"]
    assert arguments[4:] == given
    assert pytest_arguments(given, {"PYTEST_ADDOPTS": "-p no:cacheprovider"})[2:] == given
    monkeypatch.setattr(os, "execv", _execv)
    with pytest.raises(Became) as became:
        main(["run", *given])
    assert became.value.argv[:3] == [sys.executable, "-m", "pytest"]
    assert became.value.argv[-len(given) :] == given


class Became(Exception):
    def __init__(self, argv: list[str]) -> None:
        self.argv = argv


def _execv(path: str, argv: list[str]) -> None:
    """Stands in for os.execv: what the process would have become."""
    raise Became(argv)


@pytest.mark.parametrize(
    ("words", "off"),
    [
        (["-p", "no:cacheprovider"], True),
        (["-pno:cacheprovider"], True),
        (["-p", "no:randomly"], False),
        (["-k", "no:cacheprovider"], False),
        ([], False),
    ],
)
def test_the_cache_plugin_is_seen_off_in_either_spelling(words: list[str], off: bool) -> None:
    assert _cache_off(words) is off


@pytest.mark.parametrize(
    ("words", "status"), [(["verify", "r.json", "--bogus"], 2), (["fleet", "f.yaml", "--shrad", "1/2"], 4)]
)
def test_other_commands_refuse_unknown_arguments_with_their_own_status(
    capsys: pytest.CaptureFixture[str], words: list[str], status: int
) -> None:
    """A misspelt option is the sub-command's usage error: its usage, and its exit status (the fleet's bad input is
    4, as every other bad fleet option; it was 2 from the top-level parser)."""
    assert main(words) == status
    err = capsys.readouterr().err
    assert f"usage: rocketchat-contract {words[0]} " in err and "unrecognized arguments: " in err


def test_an_installation_without_the_suite_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("rocketchat_contract.commands.run.suite_dir", lambda: tmp_path / "tests")
    monkeypatch.setattr(os, "execv", _execv)
    assert main(["run", "--base-url", "https://chat.example.com"]) == 4
    assert capsys.readouterr().err == (
        f"rocketchat-contract run: the contract suite is not where this installation keeps it ({tmp_path / 'tests'}, "
        "pytest.toml): reinstall rocketchat-contract\n"
    )
