"""An interrupt is never lost: Python runs a signal handler wherever the main thread is, also inside a finalizer,
where the KeyboardInterrupt it raises is only reported as "ignored". A run that went on from there used to pass
(the fleet's Ctrl-C test saw both targets end ``pass``)."""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from rocketchat_contract.client import interrupt


@pytest.fixture
def installed() -> Iterator[None]:
    restore = interrupt.install()
    assert restore is not None
    try:
        yield
    finally:
        restore()


class _SignalledWhileFinalized:
    """An object whose finalizer is where the signal's handler runs."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        os.kill(os.getpid(), self.signum)
        for _ in range(1000):  # the handler runs between two bytecodes of this frame
            pass


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupt_swallowed_in_a_finalizer_is_still_raised_where_the_run_checks(
    installed: None, monkeypatch: pytest.MonkeyPatch, signum: signal.Signals
) -> None:
    swallowed: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", swallowed.append)
    finalized = _SignalledWhileFinalized(signum)
    del finalized
    gc.collect()
    # The KeyboardInterrupt was lost: it went to the unraisable hook, not to this frame.
    assert [type(u.exc_value) for u in swallowed] == [KeyboardInterrupt]
    assert interrupt.requested()
    with pytest.raises(KeyboardInterrupt):
        interrupt.check()


def test_restoring_puts_back_both_handlers_and_forgets_the_request() -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    restore = interrupt.install()
    assert restore is not None
    assert all(signal.getsignal(s) is not before[s] for s in before)
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):
            pass
    assert interrupt.requested()
    restore()
    assert {s: signal.getsignal(s) for s in before} == before
    assert not interrupt.requested()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.usefixtures("installed")
def test_an_interrupt_during_a_deferred_block_is_raised_once_it_is_done(signum: signal.Signals) -> None:
    """Code that must not be cut halfway (schemathesis's import: cut, it left a process to die by SIGINT as it
    exited) finishes, and the interrupt is raised right after it, with the run's handlers back."""
    finished = False
    with pytest.raises(KeyboardInterrupt), interrupt.deferred():
        os.kill(os.getpid(), signum)
        for _ in range(1000):  # the handler runs between two bytecodes here, and only records
            pass
        finished = True
    assert finished and interrupt.requested()
    assert signal.getsignal(signal.SIGINT) is signal.getsignal(signal.SIGTERM) is interrupt._interrupt


def test_a_deferred_block_without_the_runs_handlers_changes_nothing() -> None:
    before = signal.getsignal(signal.SIGINT)
    with interrupt.deferred():
        assert signal.getsignal(signal.SIGINT) is before
    assert not interrupt.requested()
