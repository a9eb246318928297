"""SIGTERM (CI cancelling a job, the fleet stopping a target) interrupts a contract run the way Ctrl-C does.

The handler raises KeyboardInterrupt and also records the request: Hypothesis ends its drawing quietly when
interrupted, and a run must not carry on from there as if nothing had happened.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType

_REQUESTED = threading.Event()


def install() -> Callable[[], None] | None:
    """Turn SIGTERM into KeyboardInterrupt until the returned function restores the previous handler (None when
    this is not the main thread, where handlers cannot be set)."""
    try:
        previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:
        return None
    _REQUESTED.clear()

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)
        _REQUESTED.clear()

    return restore


def _interrupt(signum: int, frame: FrameType | None) -> None:
    _REQUESTED.set()
    raise KeyboardInterrupt


def requested() -> bool:
    """Whether SIGTERM came since ``install``, even if something swallowed its KeyboardInterrupt."""
    return _REQUESTED.is_set()


def check() -> None:
    """Raise KeyboardInterrupt again if SIGTERM came: for the places after code that may have swallowed it."""
    if _REQUESTED.is_set():
        raise KeyboardInterrupt
