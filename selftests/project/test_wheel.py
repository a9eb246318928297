"""The package as users install it (issue 27): the wheel carries every package folder and the suite's data, and,
installed without ``-e`` into a fresh virtual environment, it tests a server from a directory that is not the
checkout: ``rocketchat-contract run``, ``pytest --pyargs rocketchat_contract``, ``fleet``, ``rejudge`` and
``verify``, all from the installed files.

The environment installs the wheel's dependencies through pip as it is configured on the machine (the package
index or its mirror); it is built once per pytest process, in a temporary folder outside the checkout.
"""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "rocketchat_contract"
DATA = {"schemas": "schemas", "contracts": "contracts", "tests": "tests", "pytest.toml": "pytest.toml"}
"""What the wheel carries under ``rocketchat_contract/_data/`` (pyproject.toml's force-include), by checkout path."""
ACCOUNT = re.compile(r"^\s+(admin|user): user_id=\S+ username=(\S+) password=(\S+) token=\S+$")
STARTUP_LIMIT = 60.0


def _files(folder: Path) -> set[str]:
    """Every file below ``folder`` (or ``folder`` itself), relative to it, less Python's byte-code caches."""
    if folder.is_file():
        return {""}
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def _environment(**extra: str) -> dict[str, str]:
    """The caller's environment without what would steer a child to the checkout or to another run."""
    dropped = ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_BASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("RC_")}
    return {**env, **extra}


def _run(
    argv: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, REPO], REPO, _environment())
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = dist.glob("rocketchat_contract-*.whl")
    return found


@dataclass(frozen=True)
class Installed:
    root: Path
    python: Path
    bin: Path


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A fresh virtual environment with the wheel installed (not editable), outside the checkout."""
    root = tmp_path_factory.mktemp("venv")
    made = _run([sys.executable, "-m", "venv", root], root, _environment())
    assert made.returncode == 0, made.stdout + made.stderr
    python = root / "bin" / "python"
    done = _run([python, "-m", "pip", "install", "--quiet", wheel], root, _environment(), timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return Installed(root, python, root / "bin")


def test_the_wheel_carries_every_package_file_and_the_suites_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    folders = {path.parent for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts}
    assert {f.relative_to(PACKAGE).as_posix() for f in folders} >= {".", "plugin", "commands", "client/fuzz"}
    missing = {f"rocketchat_contract/{name}" for name in _files(PACKAGE)} - names
    assert not missing, f"package files missing from the wheel: {sorted(missing)[:10]}"
    for source, target in DATA.items():
        expected = {f"rocketchat_contract/_data/{target}/{name}".rstrip("/") for name in _files(REPO / source)}
        assert expected and not expected - names, f"{source} missing from the wheel: {sorted(expected - names)[:10]}"


@pytest.fixture
def reference(installed: Installed, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The installed package's standalone reference server on a free port: its URL and the RC_* variables of its
    accounts."""
    server = subprocess.Popen(
        [installed.python, "-m", "rocketchat_contract.reference", "--port", "0"],
        cwd=tmp_path,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        lines = _first_lines(server, 4)
        url = re.search(r" at (http://127\.0\.0\.1:\d+)$", lines[0])
        assert url, lines
        variables = {}
        for line in lines[1:3]:
            match = ACCOUNT.match(line)
            assert match, lines
            role = "ADMIN" if match[1] == "admin" else "USER"
            variables |= {f"RC_{role}_USERNAME": match[2], f"RC_{role}_PASSWORD": match[3]}
        yield url[1], variables
    finally:
        server.terminate()
        server.wait(timeout=30)


def _first_lines(process: subprocess.Popen[bytes], count: int) -> list[str]:
    """The first ``count`` lines a process prints, waiting at most STARTUP_LIMIT seconds for them."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    read = b""
    deadline = time.monotonic() + STARTUP_LIMIT
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while read.count(b"\n") < count:
            left = deadline - time.monotonic()
            assert left > 0 and selector.select(left), f"not {count} lines within {STARTUP_LIMIT} s: {read!r}"
            chunk = os.read(fd, 65536)
            assert chunk, f"the process ended (status {process.wait()}) after {read!r}"
            read += chunk
    return read.decode().splitlines()[:count]


def test_the_installed_package_tests_a_server_from_any_directory(
    installed: Installed, reference: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, accounts = reference
    here = tmp_path / "elsewhere"
    here.mkdir()
    env = _environment(**accounts)
    where = _run([installed.python, "-c", "import rocketchat_contract as p; print(p.__file__)"], here, env)
    module = Path(where.stdout.strip())
    assert installed.root in module.parents and REPO not in module.parents, where.stdout + where.stderr
    data = module.parent / "_data"

    run = _run([installed.bin / "rocketchat-contract", "run", "--base-url", url,
                "--compliance-report", "report.json", "--compliance-report", "report.html"], here, env)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"rootdir: {data}\n" in run.stdout and "configfile: pytest.toml" in run.stdout
    assert "rocketchat-contract verdicts" in run.stdout
    assert (here / "report.html").is_file()

    pyargs = _run([installed.bin / "pytest", "--pyargs", "rocketchat_contract", "--base-url", url,
                   "-p", "no:cacheprovider", "--compliance-report", "pyargs.json"], here, env)  # fmt: skip
    assert pyargs.returncode == 0, pyargs.stdout + pyargs.stderr
    assert "rocketchat-contract verdicts" in pyargs.stdout

    lost = _run([installed.bin / "pytest", "--base-url", url, "--compliance-report", "lost.json"], here, env)
    assert lost.returncode == 4, lost.stdout + lost.stderr
    assert lost.stdout.strip().splitlines()[-1].startswith("rocketchat-contract: the contract suite was not collected")
    assert f"rocketchat-contract run --base-url {url} --compliance-report lost.json" in lost.stdout

    fleet_file = here / "fleet.yaml"
    fleet_file.write_text(yaml.safe_dump({"targets": [{"name": "reference", "base_url": url}]}))
    fleet = _run([installed.bin / "rocketchat-contract", "fleet", fleet_file, "--report", "fleet.json"], here, env)
    assert fleet.returncode == 0, fleet.stdout + fleet.stderr

    for command in (["rejudge", "report.json"], ["verify", "report.json"], ["verify", "pyargs.json"],
                    ["rejudge", "fleet.json"], ["verify", "fleet.json"]):  # fmt: skip
        done = _run([installed.bin / "rocketchat-contract", *command], here, _environment())
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
    assert sorted(p.name for p in here.iterdir() if not p.name.startswith(".")) == [
        "fleet.json", "fleet.yaml", "lost.json", "pyargs.json", "report.html", "report.json",
    ]  # fmt: skip
