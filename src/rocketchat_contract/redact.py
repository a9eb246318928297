"""Keep secrets (tokens, passwords) out of everything the suite prints or writes."""

from __future__ import annotations

import re
import threading
from typing import Any

MASK = "[redacted]"
SECRET_FIELDS = frozenset({"password", "authToken", "token", "resume", "X-Auth-Token", "x-auth-token"})
_PREVIEW = 48


class Secret(str):
    """A token or password: the string itself wherever it is used, but ``[redacted]`` wherever it is shown.

    Tracebacks with ``-l``, pytest-html and Hypothesis show objects by their ``repr``; a secret held as a
    ``Secret`` (directly or inside dicts, lists and dataclasses) never appears there.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(MASK)


def secret(value: str | None) -> Secret | None:
    """Wrap a secret value (None stays None)."""
    return None if value is None else Secret(value)


class Redactor:
    """Masks every registered secret wherever it appears; shared by the client, the judge and the reports."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def add(self, *secrets: str | None) -> None:
        with self._lock:
            for secret in secrets:
                if secret and len(secret.strip()) >= 4:
                    self._secrets.add(secret)
            self._pattern = None

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

    def text(self, value: str) -> str:
        with self._lock:
            if not self._secrets:
                return value
            if self._pattern is None:
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in ordered))
            return self._pattern.sub(MASK, value)

    def header_value(self, name: str, value: str | bytes) -> str:
        """Render a request header for evidence: secrets masked, hostile values shortened."""
        shown = value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value
        masked = self.text(shown)
        if masked != shown:
            return masked
        if len(shown) > _PREVIEW:
            return f"{shown[:16]}… ({len(shown)} characters)"
        return shown

    def data(self, value: Any) -> Any:
        """Return a copy of a JSON value with secret fields masked and secret strings replaced."""
        if isinstance(value, dict):
            return {k: MASK if k in SECRET_FIELDS and v else self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value
