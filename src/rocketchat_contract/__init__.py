"""Version-aware contract tests for Rocket.Chat's ``GET /api/v1/getImportProgress``."""

from functools import cache


@cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rocketchat-contract")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


def __getattr__(name: str) -> str:
    # Looked up when asked for, so that importing the pytest plugin stays cheap for sessions that don't use it.
    if name == "__version__":
        return _version()
    raise AttributeError(name)


__all__ = ["__version__"]
