"""A reference Rocket.Chat server: what each release era sends on the routes the contract suite uses.

Run it in-process (``ReferenceServer(profile, knobs).start()``), from pytest (``fixtures.py``) or
standalone (``python -m rocketchat_contract.reference``). Behaviour flags live in ``profiles.yaml``,
bodies in the project's schemas and ``bodies.yaml``, injectable faults in ``faults.yaml``.
"""

from __future__ import annotations

from rocketchat_contract.reference.faults import Fault, load_faults
from rocketchat_contract.reference.model import Account, Knobs, LoggedRequest, Operation
from rocketchat_contract.reference.profiles import default_profile, profiles
from rocketchat_contract.reference.server import ReferenceServer, free_port

PROFILES: tuple[str, ...] = tuple(profiles())
DEFAULT_PROFILE: str = default_profile()
FAULTS: dict[str, Fault] = load_faults()

__all__ = [
    "DEFAULT_PROFILE",
    "FAULTS",
    "PROFILES",
    "Account",
    "Fault",
    "Knobs",
    "LoggedRequest",
    "Operation",
    "ReferenceServer",
    "free_port",
]
