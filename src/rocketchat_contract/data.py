"""Where the contract data (schemas/, contracts/) lives, installed or in a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_root() -> Path:
    """Return the folder holding ``schemas/`` and ``contracts/``.

    A wheel carries them under ``_data``; an editable install or a checkout reads the repository's own.
    """
    bundled = _PACKAGE / "_data"
    if (bundled / "schemas").is_dir():
        return bundled
    return _PACKAGE.parent.parent


def schemas_dir() -> Path:
    return data_root() / "schemas"


def contracts_dir() -> Path:
    return data_root() / "contracts"


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)
