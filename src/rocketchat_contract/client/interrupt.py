"""Ctrl-C (SIGINT) and SIGTERM (CI cancelling a job, the fleet stopping a target) interrupt a contract run, and
the run remembers that they came.

The handler raises KeyboardInterrupt, as Python's own SIGINT handler does, and also records the request: an
interrupt can be lost before it reaches the run. Python runs a signal handler wherever the main thread is, also
inside an object's finalizer (``__del__``, a weakref callback during garbage collection), where an exception is
only printed as "ignored"; and a library may catch BaseException. A run must not carry on from there as if
nothing had happened, so it checks the record (``check``, ``requested``) where it can stop.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

_REQUESTED = threading.Event()
SIGNALS = (signal.SIGINT, signal.SIGTERM)


def install() -> Callable[[], None] | None:
    """Turn SIGINT and SIGTERM into a recorded KeyboardInterrupt until the returned function restores the previous
    handlers (None when this is not the main thread, where handlers cannot be set)."""
    try:
        previous = {signum: signal.signal(signum, _interrupt) for signum in SIGNALS}
    except ValueError:
        return None
    _REQUESTED.clear()

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _REQUESTED.clear()

    return restore


def _interrupt(signum: int, frame: FrameType | None) -> None:
    _REQUESTED.set()
    raise KeyboardInterrupt


def requested() -> bool:
    """Whether SIGINT or SIGTERM came since ``install``, even if something swallowed its KeyboardInterrupt."""
    return _REQUESTED.is_set()


def check() -> None:
    """Raise KeyboardInterrupt again if an interrupt came: for the places after code that may have swallowed it."""
    if _REQUESTED.is_set():
        raise KeyboardInterrupt


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Within, SIGINT and SIGTERM are only recorded, and the interrupt is raised once the block is done: for code that
    must not be cut halfway, such as a large import (a KeyboardInterrupt inside schemathesis's import left a process
    that pytest ended with status 2 to be killed by SIGINT as it exited). Outside the main thread, or without the
    run's handlers installed, it changes nothing."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is not _interrupt:
        yield
        return
    previous = {signum: signal.signal(signum, _record) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    check()


def _record(signum: int, frame: FrameType | None) -> None:
    _REQUESTED.set()
