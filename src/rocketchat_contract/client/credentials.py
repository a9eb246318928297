"""What the suite authenticates with: credentials from environment variables, never from the command line (where
ps shows them), and the sessions it opens with them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rocketchat_contract.client.redact import secret


class CredentialError(ValueError):
    """Half a credential pair, or two kinds given for one account."""


@dataclass(frozen=True)
class Credential:
    """How to authenticate one account: a token pair, or a username and password to log in with."""

    role: str
    user_id: str | None = None
    token: str | None = None
    username: str | None = None
    password: str | None = None
    source: str = ""

    def __repr__(self) -> str:
        return f"Credential(role={self.role!r}, source={self.source!r})"


@dataclass
class Session:
    """An authenticated identity the suite can send as X-User-Id / X-Auth-Token."""

    role: str
    user_id: str
    token: str
    username: str | None = None
    roles: list[str] = field(default_factory=list)
    opened_by_suite: bool = False

    def headers(self) -> dict[str, str | bytes]:
        return {"X-User-Id": self.user_id, "X-Auth-Token": self.token}

    def __repr__(self) -> str:
        return f"Session(role={self.role!r}, user_id={self.user_id!r}, opened_by_suite={self.opened_by_suite})"


ROLES = {
    "privileged": ("RC_ADMIN_USER_ID", "RC_ADMIN_TOKEN", "RC_ADMIN_USERNAME", "RC_ADMIN_PASSWORD"),
    "under-privileged": ("RC_USER_ID", "RC_USER_TOKEN", "RC_USER_USERNAME", "RC_USER_PASSWORD"),
}


def from_environment(role: str, environ: Mapping[str, str]) -> Credential | None:
    """Read one account's credentials; None when none of its variables is set."""
    id_var, token_var, user_var, password_var = ROLES[role]
    values = {name: environ.get(name) or None for name in ROLES[role]}
    for name in (id_var, token_var, user_var):
        _check_value(name, values[name], header=name != user_var)
    token_pair = (values[id_var], values[token_var])
    login_pair = (values[user_var], values[password_var])
    for pair, names in ((token_pair, (id_var, token_var)), (login_pair, (user_var, password_var))):
        if any(pair) and not all(pair):
            missing = names[0] if pair[0] is None else names[1]
            raise CredentialError(f"{missing} is not set: {names[0]} and {names[1]} go together")
    sources = [
        f"{a}/{b}"
        for pair, (a, b) in ((token_pair, (id_var, token_var)), (login_pair, (user_var, password_var)))
        if all(pair)
    ]
    if not sources:
        return None
    return Credential(
        role,
        user_id=token_pair[0],
        token=secret(token_pair[1]),
        username=login_pair[0],
        password=secret(login_pair[1]),
        source=" and ".join(sources),
    )


def _check_value(name: str, value: str | None, *, header: bool) -> None:
    """Catch a pasted line end or stray space; ids and tokens go in HTTP headers, so they must be printable ASCII.

    The message never repeats the value (it may be a token).
    """
    if value is None:
        return
    problem = None
    if value.strip() != value:
        problem = "starts or ends with whitespace or a line break (copied with the line end?)"
    elif not value.isprintable():
        problem = "contains control characters"
    elif header and not value.isascii():
        problem = "contains characters outside ASCII, which an HTTP header cannot carry"
    elif header and " " in value:
        problem = "contains spaces"
    if problem:
        raise CredentialError(f"{name} {problem}; set it to the value alone")
