"""Hostile text faults (``hostile`` in ``faults.yaml``): response headers and an ``/api/info`` version that carry
terminal control sequences or markup, which a client must show and never obey. No clause judges either, so these
faults test the suite's output rather than its verdicts."""

from __future__ import annotations

from collections.abc import Iterable

from werkzeug.wrappers import Response

from rocketchat_contract.reference.faults import Fault


def hostile_version(faults: Iterable[Fault]) -> str | None:
    """The version a hostile fault has ``/api/info`` report instead of the profile's, or None."""
    return next((f.hostile["version"] for f in faults if f.hostile and "version" in f.hostile), None)


def add_hostile_headers(response: Response, faults: Iterable[Fault]) -> None:
    """Set every header the hostile faults name on ``response`` (any answer, on any route)."""
    for fault in faults:
        for name, value in (fault.hostile or {}).get("headers", {}).items():
            response.headers[name] = value
