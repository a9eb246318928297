"""What bounds a run's requests and waits when nothing else is given: one place for each default.

The run's settings (``run.contract_run.Settings``), the client and the plugin's ``--help`` all take them from here,
so this module imports nothing: every pytest session loads it with the plugin's option declarations.
"""

from __future__ import annotations

MiB = 1024 * 1024
DEFAULT_TIMEOUT = 10.0
"""Seconds each wait for the server's next bytes may take (--rc-request-timeout)."""
DEADLINE_PER_TIMEOUT = 3
"""The default deadline of a request in request timeouts: its headers may take one timeout, its body another, and
the retries of a restarting server the third (--rc-request-deadline)."""
DEFAULT_MAX_BODY = MiB
"""The most bytes read of any body (--rc-max-body)."""
DEFAULT_RATE_LIMIT_WAIT = 65.0
"""Seconds a rate-limited request may wait for its window (--rc-rate-limit-wait): Rocket.Chat's windows last a
minute."""


def default_deadline(timeout: float) -> float:
    """The longest one request may take in all when no deadline is given."""
    return DEADLINE_PER_TIMEOUT * timeout
