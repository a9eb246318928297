"""Keep secrets (tokens, passwords) out of everything the suite prints or writes."""

from __future__ import annotations

import base64
import re
import threading
from typing import Any
from urllib.parse import unquote

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
                self._pattern = re.compile(_trie_pattern(self._secrets))
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


TRIE_DEPTH = 256
"""Secrets up to this long share one prefix tree; longer ones (rare) are tried whole, first."""


def _trie_pattern(secrets: set[str]) -> str:
    """One pattern matching any of ``secrets``, the longest where several match, shaped as their prefix tree: at each
    position of a text the engine follows the characters instead of trying every secret in turn, so a fleet that
    knows thousands of secrets masks a report in a tenth of the time a plain alternation takes."""
    long = sorted((s for s in secrets if len(s) > TRIE_DEPTH), key=len, reverse=True)
    tree: dict[str, Any] = {}
    for secret in secrets:
        if len(secret) <= TRIE_DEPTH:
            node = tree
            for character in secret:
                node = node.setdefault(character, {})
            node[""] = {}

    def branch(node: dict[str, Any]) -> str:
        ways = [re.escape(character) + branch(child) for character, child in sorted(node.items()) if character]
        if not ways:
            return ""
        group = ways[0] if len(ways) == 1 else f"(?:{'|'.join(ways)})"
        return f"(?:{group})?" if "" in node else group  # greedy: the longer secret first

    alternatives = [re.escape(s) for s in long] + ([branch(tree)] if tree else [])
    return "|".join(alternatives)


def _userinfo(url: str) -> tuple[str, str, str, str | None, str] | None:
    """Split ``scheme://user:password@host/rest`` by hand: a masked URL no longer parses as one."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    netloc, tail = rest[:end], rest[end:]
    if "@" not in netloc:
        return None
    userinfo, host = netloc.rsplit("@", 1)
    user, colon, password = userinfo.partition(":")
    return f"{scheme}://", user, host + tail, password if colon else None, userinfo


def without_userinfo(url: str, replacement: str = "") -> str:
    """The URL with its whole userinfo (``user:password@``) replaced by ``replacement`` (removed by default)."""
    parts = _userinfo(url)
    if parts is None:
        return url
    prefix, _, rest, _, _ = parts
    return f"{prefix}{replacement}{rest}"


def display_url(url: str) -> str:
    """The URL as it may be shown: a password in it (``https://user:pw@host``) replaced by the mask."""
    parts = _userinfo(url)
    if parts is None or parts[3] is None:
        return url
    prefix, user, rest, _, _ = parts
    return f"{prefix}{user}:{MASK}@{rest}"


def url_secrets(url: str) -> list[str]:
    """What of a URL's userinfo must never be shown: the password, raw and decoded, and the Basic header value."""
    parts = _userinfo(url)
    if parts is None or not parts[3] or parts[3] == MASK:
        return []
    _, user, _, raw, _ = parts
    assert raw is not None
    password = unquote(raw)
    basic = base64.b64encode(f"{unquote(user)}:{password}".encode()).decode()
    return [raw, password, basic]


def userinfo_secrets(url: str) -> set[str]:
    """Everything of a URL's userinfo that no report may show: the whole ``user:password``, and what
    ``url_secrets`` names; empty for a URL without userinfo."""
    parts = _userinfo(url)
    return {parts[4], *url_secrets(url)} if parts else set()
