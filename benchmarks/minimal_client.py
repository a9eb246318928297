"""The floor: the suite's own requests, replayed by a bare ``requests`` client, sequentially and concurrently.

The plan is derived from the trace of a suite run. Each request keeps its method, path, body and
credential headers; values that were secrets of that server life (account user ids, tokens a login
returned) become references, resolved against the replay's fresh server. Dependencies are the real
data dependencies only: a request needs the login whose token it carries; a logout needs every earlier
use of its token; a request sent with a token after that token's logout needs the logout. The same
graph, weighted with the suite's measured durations, gives the longest chain of dependent calls.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from served import Traced

from rocketchat_contract.reference import Account

LOGIN = "/api/v1/login"
LOGOUT = "/api/v1/logout"
TIMEOUT = 30.0
MAX_WORKERS = 128


@dataclass(frozen=True)
class Value:
    """A credential header value: literal bytes, an account's user id, or the token login #``login`` returned."""

    literal: bytes | None = None
    role: str | None = None
    login: int | None = None


@dataclass(frozen=True)
class Step:
    index: int
    method: str
    path: str
    headers: dict[str, Value]
    body: bytes
    content_type: str | None
    login_role: str | None
    deps: tuple[int, ...]
    expected: int
    start: float
    duration: float


@dataclass
class Replay:
    """One replay: its wall time and how many answers matched the suite's."""

    wall: float
    statuses: list[int] = field(default_factory=list)
    matched: int = 0


def _roles(accounts: dict[str, Account]) -> tuple[dict[bytes, str], dict[str, str]]:
    ids = {account.user_id.encode(): role for role, account in accounts.items()}
    names = {account.username: role for role, account in accounts.items()}
    return ids, names


def _login_role(record: Traced, names: dict[str, str]) -> str | None:
    if not record.path.startswith(LOGIN):
        return None
    try:
        fields = json.loads(record.body or b"{}")
    except ValueError:
        return None
    login = fields.get("user") or fields.get("username") if isinstance(fields, dict) else None
    return names.get(login) if isinstance(login, str) else None


def _token_value(token: bytes, issued: dict[bytes, int]) -> Value:
    return Value(login=issued[token]) if token in issued else Value(literal=token)


def _deps(index: int, record: Traced, records: list[Traced], issued: dict[bytes, int]) -> tuple[int, ...]:
    """The login that issued the token, the earlier uses a logout must wait for, the logout a revoked use needs."""
    token = record.token
    if token is None or token not in issued:
        return ()
    deps = {issued[token]}
    for earlier in range(index):
        other = records[earlier]
        if other.token != token:
            continue
        revoked_before = other.path.startswith(LOGOUT) and other.status == 200 and other.end <= record.start
        if record.path.startswith(LOGOUT) or revoked_before:
            deps.add(earlier)
    return tuple(sorted(deps))


def plan(records: list[Traced], accounts: dict[str, Account]) -> list[Step]:
    """Turn a suite run's trace (start order) into replayable steps with their dependencies."""
    ids, names = _roles(accounts)
    issued: dict[bytes, int] = {}
    steps: list[Step] = []
    for index, record in enumerate(records):
        headers: dict[str, Value] = {}
        if record.user_id is not None:
            role = ids.get(record.user_id)
            headers["X-User-Id"] = Value(role=role) if role else Value(literal=record.user_id)
        if record.token is not None:
            headers["X-Auth-Token"] = _token_value(record.token, issued)
        steps.append(
            Step(
                index=index,
                method=record.method,
                path=record.path,
                headers=headers,
                body=record.body,
                content_type=record.content_type,
                login_role=_login_role(record, names),
                deps=_deps(index, record, records, issued),
                expected=record.status,
                start=record.start,
                duration=record.duration,
            )
        )
        if record.issued:
            issued[record.issued[1].encode()] = index
    return steps


def longest_chain(steps: list[Step]) -> tuple[float, list[Step]]:
    """The heaviest dependency path (durations as the suite measured them): the floor under any schedule."""
    finish: dict[int, float] = {}
    parent: dict[int, int | None] = {}
    for step in steps:
        before = max(step.deps, key=lambda d: finish[d], default=None)
        finish[step.index] = step.duration + (finish[before] if before is not None else 0.0)
        parent[step.index] = before
    if not finish:
        return 0.0, []
    last: int | None = max(finish, key=lambda i: finish[i])
    total = finish[last] if last is not None else 0.0
    path: list[Step] = []
    for _ in range(len(steps)):
        if last is None:
            break
        path.append(steps[last])
        last = parent[last]
    return total, list(reversed(path))


class _Sender:
    """Resolve a step's references against the live server and send it; remembers the tokens logins return."""

    def __init__(self, base_url: str, accounts: dict[str, Account]) -> None:
        self.base_url = base_url.rstrip("/")
        self.accounts = accounts
        self.tokens: dict[int, str] = {}
        self.local = threading.local()

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        session: requests.Session = self.local.session
        return session

    def resolve(self, value: Value) -> str | bytes:
        if value.literal is not None:
            return value.literal
        if value.role is not None:
            return self.accounts[value.role].user_id
        return self.tokens.get(value.login if value.login is not None else -1, "")

    def send(self, step: Step) -> int:
        headers: dict[str, Any] = {name: self.resolve(value) for name, value in step.headers.items()}
        body: bytes | None = step.body or None
        if step.login_role is not None:
            account = self.accounts[step.login_role]
            body = json.dumps({"user": account.username, "password": account.password}).encode()
        if body is not None and step.content_type:
            headers["Content-Type"] = step.content_type
        response = self.session().request(
            step.method, self.base_url + step.path, headers=headers, data=body, timeout=TIMEOUT, allow_redirects=False
        )
        if step.login_role is not None and response.status_code == 200:
            data = response.json().get("data") or {}
            self.tokens[step.index] = str(data.get("authToken", ""))
        return response.status_code


def _score(replay: Replay, steps: list[Step]) -> Replay:
    replay.matched = sum(1 for step, status in zip(steps, replay.statuses, strict=True) if step.expected == status)
    return replay


def sequential(base_url: str, accounts: dict[str, Account], steps: list[Step]) -> Replay:
    """One request at a time, in the order the suite started them."""
    sender = _Sender(base_url, accounts)
    started = time.perf_counter()
    statuses = [sender.send(step) for step in steps]
    return _score(Replay(time.perf_counter() - started, statuses), steps)


def concurrent(base_url: str, accounts: dict[str, Account], steps: list[Step]) -> Replay:
    """Every request as soon as its dependencies are answered (FIFO pool, deps always earlier: no deadlock)."""
    sender = _Sender(base_url, accounts)
    futures: dict[int, Future[int]] = {}

    def task(step: Step) -> Callable[[], int]:
        def go() -> int:
            for dep in step.deps:
                futures[dep].result(timeout=TIMEOUT * 4)
            return sender.send(step)

        return go

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_WORKERS, len(steps)))) as pool:
        for step in steps:
            futures[step.index] = pool.submit(task(step))
        statuses = [futures[step.index].result(timeout=TIMEOUT * 8) for step in steps]
    return _score(Replay(time.perf_counter() - started, statuses), steps)
