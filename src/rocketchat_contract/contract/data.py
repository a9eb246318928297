"""Where the contract data (schemas/, contracts/) and the contract suite (tests/, with its pytest configuration)
live, installed or in a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from rocketchat_contract.contract.reader import SHIPPED_DATA, read_yaml

_PACKAGE = Path(__file__).resolve().parents[1]


@cache
def data_root() -> Path:
    """Return the folder holding ``schemas/``, ``contracts/``, ``tests/`` and ``pytest.toml``.

    A wheel carries them under ``_data``; an editable install or a checkout reads the repository's own.
    """
    bundled = _PACKAGE / "_data"
    if (bundled / "schemas").is_dir():
        return bundled
    return _PACKAGE.parent.parent


def suite_dir() -> Path:
    """The contract suite (tests/): the checkout's own, or the copy a wheel carries under ``_data``."""
    return data_root() / "tests"


def suite_config() -> Path:
    """The suite's pytest configuration file, beside ``tests/`` in a checkout and in a wheel alike."""
    return data_root() / "pytest.toml"


def schemas_dir() -> Path:
    return data_root() / "schemas"


def contracts_dir() -> Path:
    return data_root() / "contracts"


def load_yaml(path: Path) -> Any:
    """A shipped YAML data file (``contracts/``, the reference server's), read with the shipped data's bounds."""
    return read_yaml(path, SHIPPED_DATA)
