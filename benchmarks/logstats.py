"""What the server's request log says about a run: calls per credential class and the busiest 60 s window."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rocketchat_contract.reference import Account, LoggedRequest

ENDPOINT = "/api/v1/getImportProgress"
CLASSES = ("privileged", "under", "other")
WINDOW = 60.0


@dataclass(frozen=True)
class Counts:
    """Requests per credential class (the log's authenticated user id), endpoint calls apart from setup calls."""

    endpoint: dict[str, int]
    setup: dict[str, int]
    rate_limited: int

    @property
    def total(self) -> int:
        return sum(self.endpoint.values()) + sum(self.setup.values())

    def cell(self, part: str) -> str:
        counts = self.endpoint if part == "endpoint" else self.setup
        return "/".join(str(counts.get(name, 0)) for name in CLASSES)


def credential_class(entry: LoggedRequest, accounts: dict[str, Account]) -> str:
    """privileged = the admin's id, under = the user's id, other = no or unrecognised credentials."""
    if entry.user_id == accounts["admin"].user_id:
        return "privileged"
    if entry.user_id == accounts["user"].user_id:
        return "under"
    return "other"


def count(log: list[LoggedRequest], accounts: dict[str, Account]) -> Counts:
    endpoint: Counter[str] = Counter()
    setup: Counter[str] = Counter()
    for entry in log:
        target = endpoint if entry.path.rstrip("/") == ENDPOINT else setup
        target[credential_class(entry, accounts)] += 1
    limited = sum(1 for entry in log if entry.status == 429)
    return Counts(dict(endpoint), dict(setup), limited)


def busiest_window(times: list[float], window: float = WINDOW) -> int:
    """Most calls inside any ``window``-second span (two pointers over the sorted start times)."""
    ordered = sorted(times)
    best, low = 0, 0
    for high, moment in enumerate(ordered):
        while moment - ordered[low] >= window:
            low += 1
        best = max(best, high - low + 1)
    return best


def under_endpoint_window(log: list[LoggedRequest], accounts: dict[str, Account]) -> int:
    """The under-privileged user's getImportProgress calls in the busiest 60 s window."""
    user = accounts["user"].user_id
    return busiest_window([e.started_at for e in log if e.user_id == user and e.path.rstrip("/") == ENDPOINT])
