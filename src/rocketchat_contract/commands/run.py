"""``rocketchat-contract run [pytest options]``: the contract suite installed with the package, run by pytest.

A thin front, not a second runner: it becomes ``python -m pytest`` (``os.execv``) with the suite's folder, its
configuration file (``pytest.toml``, shipped beside it) and every argument given, so options, reports, signals and
exit statuses are pytest's and the plugin's, as in a checkout. A fresh interpreter rather than ``pytest.main`` in
this one: this command has imported the package, which pytest could then no longer rewrite as the plugin it is
(its "already imported" warning is an error under the suite's filterwarnings).

The configuration file is named explicitly, so no configuration file of the user's directory (or of a folder above
the installed package) applies, and the rootdir is the suite's folder whatever the arguments (a spaced path value
cannot move it). Relative paths stay relative to the working directory; pytest's cache goes to ``.pytest_cache``
there, where plain ``pytest`` would put it.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shlex
import shutil
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rocketchat_contract.commands.cli import fail
from rocketchat_contract.contract.data import suite_config, suite_dir
from rocketchat_contract.results.exit_status import CANNOT_TEST

PROG = "rocketchat-contract run"
HELP = (
    "Run the contract suite installed with rocketchat-contract ({suite}) with pytest and the suite's "
    "configuration file ({config}), from any directory. Every pytest option and every option of the suite "
    "(the rocketchat-contract group below) works as with pytest in a checkout. Relative paths are relative to "
    "this directory, where pytest keeps its cache (.pytest_cache; -p no:cacheprovider for none). Exit status is "
    "pytest's: 0 passed, 1 a violation, 2 interrupted, 4 the target cannot be tested or bad input, 5 no test ran. "
    "pytest's help follows: its options go after `rocketchat-contract run`."
)


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="run the contract suite against --base-url, from any directory (every pytest option works)",
        description="Run the installed contract suite with pytest; `rocketchat-contract run --help` shows every "
        "option.",
        add_help=False,  # --help is pytest's, with the suite's options in it
    )
    parser.set_defaults(handler=run, passes_on=True)


def pytest_arguments(given: list[str], environ: Mapping[str, str]) -> list[str]:
    """pytest's arguments: the suite, its configuration file, the cache in the working directory, then ``given``
    (later values win, so a ``-c``, ``--rootdir`` or ``-o cache_dir=`` given here overrides these)."""
    try:
        added = shlex.split(environ.get("PYTEST_ADDOPTS", ""))
    except ValueError:
        added = []  # pytest refuses it in its own words
    cache = [] if _cache_off([*added, *given]) else ["-o", f"cache_dir={Path.cwd() / '.pytest_cache'}"]
    return [str(suite_dir()), f"--config-file={suite_config()}", *cache, *given]


def _cache_off(words: list[str]) -> bool:
    """Whether ``-p no:cacheprovider`` is among ``words`` (in either of pytest's spellings): then ``cache_dir`` is
    no ini value at all, and ``--strict-config`` would refuse it."""
    plugins = [after for word, after in itertools.pairwise([*words, ""]) if word == "-p"]
    plugins += [word[2:] for word in words if word.startswith("-p") and word != "-p"]
    return any(plugin.strip() == "no:cacheprovider" for plugin in plugins)


def run(args: argparse.Namespace) -> int:
    suite, config = suite_dir(), suite_config()
    if not (suite / "conftest.py").is_file() or not config.is_file():
        return fail(
            "run",
            f"the contract suite is not where this installation keeps it ({suite}, {config.name}): reinstall "
            "rocketchat-contract",
            CANNOT_TEST,
        )
    given: list[str] = list(args.passed_on)
    words = given[: given.index("--")] if "--" in given else given
    if "-h" in words or "--help" in words:
        width = min(shutil.get_terminal_size().columns, 100) - 1
        text = HELP.format(suite=suite, config=config)
        text = textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)
        sys.stdout.write(f"usage: {PROG} [pytest options]\n\n{text}\n\n")
        sys.stdout.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *pytest_arguments(given, os.environ)])
