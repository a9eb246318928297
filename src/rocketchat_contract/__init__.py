"""Version-aware contract tests for Rocket.Chat's ``GET /api/v1/getImportProgress``."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rocketchat-contract")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0"

__all__ = ["__version__"]
