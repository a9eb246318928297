"""What one pytest process knows of the contract run, kept in the config's stash, and who reads it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from rocketchat_contract.plugin.options import Options
    from rocketchat_contract.plugin.reporting import Collector
    from rocketchat_contract.results.record import JudgementRecord, RunRecord

REPORT_KEY = "rocketchat_contract"
"""The attribute of a test report carrying its judgement and the run's metadata (pytest-xdist ships it)."""


class PluginState:
    """What one pytest process knows: whether it is active, the run's record, the judgements reported to it."""

    def __init__(self) -> None:
        self.active = False
        self.header_shown = False
        self.record: RunRecord | None = None
        self.collector: Collector | None = None
        self.options: Options | None = None
        """Every setting of the plugin, validated before any traffic (options.py)."""
        self.restore_signals: Callable[[], None] | None = None
        self.report_error: str | None = None
        """Why a requested compliance report could not be written at the end of the session."""
        self.stop_line: str | None = None
        """The one line a session that cannot test its target (or cannot use a setting) ends with, exit status 4."""
        self.collected: int | None = None
        """How many tests the session collected, before any deselection (None: it collected nothing yet)."""
        self.last_words: tuple[Any, str] | None = None
        """The silenced terminal reporter (None without one) and that line, written at session finish."""
        self.selection: dict[str, Any] | None = None
        """The clauses (and probes) the session's contract tests judge, after -k, deselection and node ids."""


STATE = pytest.StashKey[PluginState]()
JUDGED: pytest.StashKey[JudgementRecord] = pytest.StashKey()


def options(config: pytest.Config) -> Options:
    """The plugin's validated settings; only an active plugin has them."""
    validated = config.stash[STATE].options
    assert validated is not None, "the rocketchat-contract plugin is not active in this session"
    return validated


def in_worker(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker (the controller prints the table and writes the reports)."""
    return hasattr(config, "workerinput")
