"""A generated request's exchange, with what the judge needs to know about how it was generated."""

from __future__ import annotations

from dataclasses import dataclass

from rocketchat_contract.client.http import Exchange

PRIVILEGED_GENERATED = "schemathesis privileged"
"""How the probe name of a generated request that carried the privileged pair starts (reports show it)."""


@dataclass
class GeneratedExchange(Exchange):
    privileged: bool = False
    """Whether the request carried the run's privileged pair (so it should be answered as the admin)."""
    check_failure: str | None = None
    """What schemathesis's checks found wrong with the answer, or None."""
