"""What a probe produced: an exchange with the server, or the reason it could not be sent."""

from __future__ import annotations

from rocketchat_contract.client.http import Exchange


class Unavailable:
    """A probe that could not be sent, and what would let it be sent."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


Observation = Exchange | Unavailable
