"""The Restivus-era 401/403 delay (0.5-1 s), and that nothing else is delayed. Few real-delay requests."""

from __future__ import annotations

import pytest
from test_reference_support import PROGRESS, call

from rocketchat_contract.reference import Knobs, ReferenceServer

DELAYED = Knobs(delay_scale=1.0)


def elapsed(server: ReferenceServer, method: str, account: str | None = None, query: str = "") -> float:
    response = call(server, method, PROGRESS + query, server.accounts[account] if account else None)
    return response.elapsed.total_seconds()


@pytest.mark.parametrize(("profile", "account"), [("3.18", None), ("7.3", "user")])
def test_restivus_denials_are_delayed(reference_server: ReferenceServer, profile: str, account: str | None) -> None:
    reference_server.reset(profile=profile, knobs=DELAYED)
    assert 0.45 <= elapsed(reference_server, "GET", account) <= 1.5


@pytest.mark.parametrize(
    ("profile", "method", "account", "query"),
    [
        ("3.18", "GET", "user", ""),
        ("3.18", "POST", None, ""),
        ("5.4", "GET", "user", "?x=1"),
        ("8.8", "GET", None, ""),
        ("8.8", "GET", "user", ""),
        ("documented", "GET", None, ""),
    ],
)
def test_other_answers_are_immediate(
    reference_server: ReferenceServer, profile: str, method: str, account: str | None, query: str
) -> None:
    reference_server.reset(profile=profile, knobs=DELAYED)
    assert elapsed(reference_server, method, account, query) < 0.45
