"""Path-valued options written with a space (``--ca-bundle /etc/ca.pem``) must not move pytest's rootdir.

pytest finds its rootdir and configuration file before any plugin is loaded, so it reads the value of a
plugin's option written with a space as a test path (pytest issue #8846). A path outside the project then
roots the session there, the project's configuration (``testpaths``, markers) is lost, and everything below
the working directory is collected. When that happened on the command line, the same command is run again
with ``--option=value``, which pytest parses as one token; elsewhere (``pytest.main``, ``PYTEST_ADDOPTS``, an
argument file ``@args.txt``) the user is told to write that form.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from rocketchat_contract.plugin.flags import PATH_FLAGS

ARGUMENT_FILE_LIMIT = 1 << 20
"""Bytes of an argument file read to look for spaced path options (pytest reads the file itself)."""
ARGUMENT_FILE_DEPTH = 8
"""Argument files named inside argument files followed at most."""


def _expanded(tokens: list[str], source: str | None = None, depth: int = 0) -> list[tuple[str, str | None]]:
    """``tokens`` with each ``@file`` replaced by its lines, as pytest's argument parser reads an argument file
    (argparse's ``fromfile_prefix_chars="@"``: one argument a line, nested files too), each paired with the file it
    was read from (None for a token given as is). A file that cannot be read stays a token: pytest reports it."""
    out: list[tuple[str, str | None]] = []
    for token in tokens:
        if not token.startswith("@") or depth >= ARGUMENT_FILE_DEPTH:
            out.append((token, source))
            continue
        try:
            with open(token[1:], encoding="utf-8", errors="replace") as file:
                lines = file.read(ARGUMENT_FILE_LIMIT).splitlines()
        except OSError:
            out.append((token, source))
            continue
        out += _expanded(lines, token[1:], depth + 1)
    return out


def _spaced(tokens: list[str], flags: frozenset[str]) -> list[int]:
    """Indexes of the path flags in ``tokens`` whose value is the next token (up to a bare ``--``)."""
    found = []
    for index, token in enumerate(tokens[:-1]):
        if token == "--":
            break
        if token in flags:
            found.append(index)
    return found


def _misrooted(config: pytest.Config, values: list[str]) -> bool:
    """Whether a spaced value that exists (only those count for pytest) left the session without the project's
    configuration, or rooted it away from the test paths."""
    if not any(Path(value).exists() for value in values):
        return False
    if config.inipath is None:
        return True
    invocation = config.invocation_params.dir
    given = [arg.split("::")[0] for arg in config.known_args_namespace.file_or_dir]
    anchors = [(invocation / arg).resolve() for arg in given] or [invocation.resolve()]
    root = config.rootpath.resolve()
    return not all(root == anchor or root in anchor.parents for anchor in anchors)


def _joined(tokens: list[str], spaced: list[int]) -> list[str]:
    out = list(tokens)
    for index in reversed(spaced):
        out[index : index + 2] = [f"{tokens[index]}={tokens[index + 1]}"]
    return out


def repair(config: pytest.Config, args: list[str]) -> None:
    """Run the command again with ``--option=value`` if a spaced path value moved the rootdir; else explain."""
    flags = PATH_FLAGS
    read = _expanded(args)
    tokens = [token for token, _ in read]
    spaced = _spaced(tokens, flags)
    if not spaced or not _misrooted(config, [tokens[index + 1] for index in spaced]):
        return
    argv = sys.argv[1:]
    own = _spaced(argv, flags)
    # Only a command line can be run again, and only when every spaced value is on it (not in addopts); the
    # rewritten one has none left, so this happens once.
    prefix = sys.orig_argv[: len(sys.orig_argv) - len(argv)]
    on_command_line = list(config.invocation_params.args) == argv == sys.orig_argv[len(prefix) :]
    if on_command_line and len(own) == len(spaced):
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [*prefix, *_joined(argv, own)])
    # One that came from an argument file first: the command cannot be run again with that file rewritten.
    first = next((index for index in spaced if read[index][1] is not None), spaced[0])
    flag, value, source = tokens[first], tokens[first + 1], read[first][1]
    where, line = (f" (in the argument file {source})", " on one line of that file") if source else ("", "")
    raise pytest.UsageError(
        f"{flag} {value}{where}: pytest took this path for a test path before the plugin was loaded, which moves "
        f"its rootdir (pytest issue #8846); write {flag}={value}{line}"
    )
