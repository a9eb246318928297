"""pytest fixtures: one reference server per session, reset to profile 8.8 and default knobs per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rocketchat_contract.reference.model import Knobs
from rocketchat_contract.reference.profiles import default_profile
from rocketchat_contract.reference.server import ReferenceServer

__all__ = ["make_reference_server", "reference_server"]


@pytest.fixture(scope="session")
def make_reference_server() -> Iterator[ReferenceServer]:
    """The session's server, started once on a free port and stopped at the end."""
    server = ReferenceServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def reference_server(make_reference_server: ReferenceServer) -> ReferenceServer:
    """The session's server with fresh state, profile 8.8 and default knobs; tests reset it further."""
    make_reference_server.reset(profile=default_profile(), knobs=Knobs())
    return make_reference_server
