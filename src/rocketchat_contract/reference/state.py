"""Everything a reset throws away: users and their tokens, import operations, the rate limiter."""

from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass

from rocketchat_contract.reference.model import Account, Knobs, Operation, StoredOperation, User
from rocketchat_contract.reference.profiles import Profile, role_permissions

_ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"


def new_id() -> str:
    """A Meteor-style 17-character document id."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(17))


def new_token() -> str:
    """A resume token shaped like Meteor's (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Verdict:
    """One rate-limiter check: allowed or not, and the X-RateLimit-* values to send."""

    allowed: bool
    limit: int
    remaining: int
    reset_ms: int
    wait_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_ms),
        }


class RateLimiter:
    """Meteor's DDPRateLimiter rule per route and method, keyed by client IP: N calls per window."""

    def __init__(self, calls: int, window: float) -> None:
        self.calls = calls
        self.window = window
        self._windows: dict[tuple[str, str, str], tuple[float, int]] = {}

    def check(self, ip: str, route: str, method: str) -> Verdict:
        now = time.time()
        key = (ip, route, method)
        started, count = self._windows.get(key, (now, 0))
        if now >= started + self.window:
            started, count = now, 0
        count += 1
        self._windows[key] = (started, count)
        reset = started + self.window
        return Verdict(
            allowed=count <= self.calls,
            limit=self.calls,
            remaining=max(0, self.calls - count),
            reset_ms=int(reset * 1000),
            wait_seconds=max(1, math.ceil(reset - now)),
        )


def _granted(grants: dict[str, frozenset[str]], revoked: frozenset[str]) -> dict[str, frozenset[str]]:
    """The role grants less the ``role:permission`` pairs an operator revoked (Knobs.revoked)."""
    taken: dict[str, set[str]] = {}
    for pair in revoked:
        role, _, permission = pair.partition(":")
        if permission not in grants.get(role, frozenset()):
            raise ValueError(f"cannot revoke {pair!r}: role {role!r} does not hold {permission!r}")
        taken.setdefault(role, set()).add(permission)
    return {role: held - taken.get(role, set()) for role, held in grants.items()}


class State:
    """Users, tokens and operations of one server life (between two resets)."""

    def __init__(self, profile: Profile, knobs: Knobs) -> None:
        self.profile = profile
        self.knobs = knobs
        self.permissions = _granted(role_permissions(), knobs.revoked)
        self.permissions_updated_at = time.time()
        self.users: dict[str, User] = {}
        self.secrets: set[str] = set()
        self.operations: list[StoredOperation] = []
        self.limiter = RateLimiter(knobs.rate_limit_calls, knobs.rate_limit_window)
        self.accounts = {
            "admin": self._provision("admin", "Administrator", ["admin"]),
            "user": self._provision("user", "Regular User", ["user"]),
        }
        if knobs.operation is not None:
            self.add_operation(knobs.operation, self.accounts["admin"].user_id)

    def _provision(self, username: str, name: str, roles: list[str]) -> Account:
        user = self.create_user(username, name, f"{username}@example.com", secrets.token_urlsafe(12), roles)
        return Account(user.user_id, user.username, user.password, self.issue_token(user))

    def create_user(
        self, username: str, name: str, email: str, password: str, roles: list[str], verified: bool = False
    ) -> User:
        user = User(
            new_id(),
            username,
            name,
            email,
            password,
            roles,
            verified=verified,
            two_factor=self._second_factor(username, verified),
        )
        self.users[user.user_id] = user
        self.secrets.add(password)
        return user

    def _second_factor(self, username: str, verified: bool) -> str | None:
        """A knob's two-factor user has the knob's method; a verified e-mail opts in to e-mail 2FA (the default)."""
        if username in self.knobs.two_factor:
            return self.knobs.two_factor_method
        return "email" if verified else None

    def issue_token(self, user: User) -> str:
        token = new_token()
        user.tokens.append(token)
        self.secrets.add(token)
        return token

    def find_by_login(self, login: str) -> User | None:
        field = "email" if "@" in login else "username"
        return next((u for u in self.users.values() if getattr(u, field) == login), None)

    def find_by_username(self, username: str) -> User | None:
        return next((u for u in self.users.values() if u.username == username), None)

    def find_by_token(self, token: str) -> User | None:
        return next((u for u in self.users.values() if token in u.tokens), None)

    def admin(self) -> User:
        return self.users[self.accounts["admin"].user_id]

    def has(self, user: User, permission: str) -> bool:
        return any(permission in self.permissions.get(role, frozenset()) for role in user.roles)

    def permission_roles(self) -> dict[str, list[str]]:
        """Every permission the server knows and the roles that hold it (a permission whose grants were all revoked
        stays, with no role)."""
        known = sorted({p for grants in role_permissions().values() for p in grants})
        return {p: [role for role, grants in self.permissions.items() if p in grants] for p in known}

    def add_operation(self, operation: Operation, user_id: str) -> StoredOperation:
        if operation.step not in self.profile.steps():
            raise ValueError(
                f"step {operation.step!r} is not in the {self.profile.step_set} set of profile {self.profile.name}"
            )
        stored = StoredOperation(new_id(), operation, user_id, time.time() + len(self.operations) * 1e-6)
        self.operations.append(stored)
        return stored

    def clear_operations(self) -> None:
        """``Import.clear()`` of 6.x+: older operations stay stored but are marked invalid."""
        for stored in self.operations:
            stored.valid = False

    def latest_operation(self) -> StoredOperation | None:
        """``Imports.findLastImport()``: the newest by ts, valid or not."""
        return max(self.operations, key=lambda s: s.ts, default=None)
