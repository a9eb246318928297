"""Where a pytest process gets the contract run's record: it does the run, or, under pytest-xdist, the first
worker to need it does and the others read its record, so the server sees one run's traffic whatever ``-n``.
"""

from __future__ import annotations

import atexit
import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from rocketchat_contract.client import interrupt
from rocketchat_contract.client.credentials import Credential
from rocketchat_contract.plugin.options import Options
from rocketchat_contract.plugin.state import in_worker, options
from rocketchat_contract.results.record import RunRecord
from rocketchat_contract.run.contract_run import ContractRun

SHARED_NAME = "rocketchat-contract-run.json"


def obtain(config: pytest.Config, tmp: pytest.TempPathFactory) -> RunRecord:
    """This process's record of the run: done here, or read from the pytest-xdist worker that did it."""
    _no_teardown_at_exit()
    if not in_worker(config):
        return _performed(config)
    from filelock import FileLock

    # pytest-xdist's recipe for once-per-run work: the directory all workers of this run share, and a lock.
    shared = tmp.getbasetemp().parent / SHARED_NAME
    with FileLock(str(shared) + ".lock"):
        if shared.is_file():
            return RunRecord.from_json(shared.read_text(encoding="utf-8"))
        record = _performed(config)
        shared.write_text(record.to_json(), encoding="utf-8")
        return record


@cache
def _no_teardown_at_exit() -> None:
    """Spare the interpreter's exit the teardown of every object a contract run's imports left (schemathesis's
    OpenAPI layer, Hypothesis, the suite, pytest's plugins: about 100,000 objects, mostly in reference cycles,
    0.15 s of a run): at exit, after pytest has ended and before the interpreter's last garbage collection,
    they are frozen (``gc.freeze``), so that the collection skips them and the operating system reclaims their
    memory. Atexit handlers registered before this one still run after it (logging, temporary folders,
    coverage); only ``__del__`` methods of objects left in reference cycles at exit go uncalled, which Python
    does not promise to call at exit anyway. Registered once per process, at exit only, so that a process running
    pytest again (pytester, an IDE) keeps collecting its garbage."""
    atexit.register(gc.freeze)


class TargetUnavailable(Exception):
    """The target could not be set up (the embedded server did not start): the run's error, exit status 4."""


def _performed(config: pytest.Config) -> RunRecord:
    """The run, or a record of why its target could not be set up, which every process then reports alike."""
    try:
        return perform(config)
    except TargetUnavailable as exc:
        settings = options(config)
        embedded = None if settings.base_url else settings.profile
        return RunRecord(base_url=settings.base_url or "", embedded=embedded, error=str(exc))


def perform(config: pytest.Config) -> RunRecord:
    """Do the run (starting and stopping the embedded reference server when there is no --base-url)."""
    validated = options(config)
    with _target(validated) as (url, embedded, (privileged, under)):
        settings = replace(
            validated.run,
            base_url=url,
            embedded=embedded,
            privileged=privileged,
            under=under,
            draw_cache=_draw_cache(config),
        )
        run = ContractRun(settings)
        run.notes += validated.notes
        interrupted = False
        try:
            interrupt.check()  # before any traffic
            record = run.execute()
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM (client/interrupt.py)
            # run.execute has cleaned up (its finally). pytest's own report of an interrupt renders its
            # traceback, and one raised inside Hypothesis's loading of its character map has a frame without
            # a line number that crashes that rendering (exit 1 instead of 2): end with a plain message instead.
            interrupted = True
        if interrupted or interrupt.requested():
            pytest.exit(
                f"rocketchat-contract: interrupted; the suite {run.clean_up_summary()}",
                returncode=pytest.ExitCode.INTERRUPTED,
            )
        _add_metadata(config, record)
        return record


Accounts = tuple[Credential | None, Credential | None]


@contextmanager
def _target(settings: Options) -> Iterator[tuple[str, str | None, Accounts]]:
    """The base URL, the embedded profile (or None), and the accounts: the RC_* ones checked with the options, or
    the embedded server's."""
    if settings.base_url:
        yield settings.base_url, None, (settings.run.privileged, settings.run.under)
        return
    from rocketchat_contract.reference import Knobs, ReferenceServer

    knobs = Knobs(delay_scale=1.0, operation=settings.reference_operation)
    try:
        server = ReferenceServer(profile=settings.profile, knobs=knobs).start()
    except Exception as exc:
        raise TargetUnavailable(f"could not start the embedded reference server: {exc}") from None
    try:
        admin, user = server.accounts["admin"], server.accounts["user"]
        privileged = Credential("privileged", username=admin.username, password=admin.password, source="embedded")
        under = None
        if not settings.run.provision_user:
            under = Credential("under-privileged", username=user.username, password=user.password, source="embedded")
        yield server.url, server.profile, (privileged, under)
    finally:
        server.stop()


def _draw_cache(config: pytest.Config) -> Path | None:
    """Where the run keeps its drawn requests: pytest's cache folder when pytest's cache is on, else the user's
    cache folder (XDG_CACHE_HOME); None (draw every run) when pytest's cannot be made."""
    from rocketchat_contract.client.fuzz.cache import FOLDER_NAME, user_folder

    cache = getattr(config, "cache", None)
    if cache is None:
        return user_folder(os.environ)
    try:
        return Path(cache.mkdir(FOLDER_NAME))
    except OSError:
        return None


def _add_metadata(config: pytest.Config, record: RunRecord) -> None:
    """Show the server version and era in pytest-html's environment table (pytest-metadata), never a secret."""
    try:
        from pytest_metadata.plugin import metadata_key
    except ImportError:
        return
    metadata: Any = config.stash.get(metadata_key, None)
    if metadata is not None and record.server_version is not None:
        metadata["Rocket.Chat"] = f"{record.server_version} (era {record.era})"
        metadata["Contract target"] = f"reference profile {record.embedded}" if record.embedded else record.base_url


__all__ = ["obtain", "perform"]
