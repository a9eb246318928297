"""Where the contract data (schemas/, contracts/) and the contract suite (tests/, with its pytest configuration)
live, installed or in a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

_PACKAGE = Path(__file__).resolve().parents[1]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it: about ten times faster on the contract data."""


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


def parse_yaml(text: str) -> Any:
    """``yaml.safe_load`` with the fastest safe loader there is."""
    return yaml.load(text, Loader=_LOADER)


def load_yaml(path: Path) -> Any:
    return parse_yaml(path.read_text(encoding="utf-8"))
