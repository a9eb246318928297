"""What one contract run is given: its settings, one object from the plugin's options to the run.

Light to import (the plugin validates its options into it before anything of the run is loaded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rocketchat_contract.client.credentials import Credential
from rocketchat_contract.client.defaults import DEFAULT_MAX_BODY, DEFAULT_RATE_LIMIT_WAIT, DEFAULT_TIMEOUT
from rocketchat_contract.client.fuzz.config import Fuzz


@dataclass(frozen=True)
class Settings:
    """Everything one run is given, each value already checked: the plugin's options hold one (``plugin/options.py``)
    and hand it over as it is, with the target filled in. A setting nobody gave keeps the default here, and each
    default has one home (``client/defaults.py``, ``client/fuzz/config.py``)."""

    base_url: str
    """The server's root URL; empty in the plugin's options until the embedded reference server has started."""
    timeout: float = DEFAULT_TIMEOUT
    deadline: float | None = None
    """The longest one request may take in all; None for the client's default (``defaults.default_deadline``)."""
    max_body: int = DEFAULT_MAX_BODY
    verify: bool | str = True
    verify_source: str | None = None
    """Where the CA bundle was named (``tls.resolve_ca_bundle``), for the header line and a TLS error's remedy."""
    privileged: Credential | None = None
    under: Credential | None = None
    provision_user: bool = False
    seed_import: bool = False
    rc_version: str | None = None
    rate_limit_wait: float = DEFAULT_RATE_LIMIT_WAIT
    embedded: str | None = None
    """The reference-server profile serving this run, when it is the embedded default target."""
    fuzz: Fuzz = field(default_factory=Fuzz)
    extra_drift: tuple[str, ...] = ()
    """Local drift files (--extra-drift) judged next to the shipped registry."""
    draw_cache: Path | None = None
    """The folder where drawn requests are kept between runs (client/fuzz/cache.py); None draws every run."""
