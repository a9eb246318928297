"""Which probes a front end may refuse is said once, on the probe (probes.py); frontend.py reads it from there."""

from __future__ import annotations

import pytest

from rocketchat_contract.client.credentials import Session
from rocketchat_contract.client.frontend import HOSTILE_PROBES, PLAIN_PROBES, hostile_input
from rocketchat_contract.client.probes import PROBES, Probe, ProbeContext

CONTEXT = ProbeContext(
    privileged=Session("privileged", "rbAXPnMhAcPg3u3bP", "N6x0C7T1m1aA9JzcTkY8nZkVx8N3rQxq4Jm2bY5p0oE"),
    under=Session("under-privileged", "kQ2vT8xWmZ3nB7yLc", "Zp4rT9qWx2mN8vB3cL6kJ1hG5fD0sA7eR4tY9uI2oP3"),
    revoked=Session("privileged", "rbAXPnMhAcPg3u3bP", "Qe8wR3tY6uI9oP2aS5dF8gH1jK4lZ7xC0vB3nM6qW9e"),
)


@pytest.mark.parametrize("probe", PROBES, ids=[probe.name for probe in PROBES])
def test_a_probe_is_hostile_exactly_when_its_request_is(probe: Probe) -> None:
    """The flag agrees with what frontend.hostile_input sees in the headers the probe sends."""
    headers = probe.build(CONTEXT)
    assert isinstance(headers, dict), headers
    assert (hostile_input(headers) is not None) == probe.hostile


def test_every_probe_is_either_plain_or_hostile() -> None:
    assert {probe.name for probe in PROBES} == HOSTILE_PROBES | PLAIN_PROBES
    assert not HOSTILE_PROBES & PLAIN_PROBES
