"""The pytest plugin: options, the session-wide contract run, verdict enforcement and the summary table."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from .contract import contract
from .http import TargetError
from .judge import Observation
from .ledger import Ledger
from .options import DEFAULT_OPERATION, Options, validate
from .run import ContractRun, Settings
from .verdicts import Judgement, Verdict


@dataclass
class PluginState:
    ledger: Ledger = field(default_factory=Ledger)
    options: Options = field(default_factory=Options)
    run: ContractRun | None = None
    embedded: Any = None
    cleanup_problems: list[str] = field(default_factory=list)
    generated: bool = False
    """Whether the session runs generated tests, whose requests then go out with the probes."""


STATE = pytest.StashKey[PluginState]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rocketchat-contract", "Rocket.Chat getImportProgress contract")
    group.addoption(
        "--provision-user",
        action="store_true",
        default=None,
        help="create a throwaway user without run-import with the privileged account, use it as the "
        "under-privileged account, and delete it at the end (also on failure or Ctrl-C)",
    )
    group.addoption(
        "--seed-import",
        action="store_true",
        default=None,
        help="if the server has no import operation, create one (POST /api/v1/downloadPendingAvatars) so the "
        "success clauses can be verified; never done when an operation exists",
    )
    group.addoption(
        "--rc-version", metavar="X.Y[.Z]", help="judge the server as this version instead of the one /api/info reports"
    )
    group.addoption(
        "--strict-docs",
        action="store_true",
        default=None,
        help="known drift fails the run (compliance with the documentation page itself)",
    )
    group.addoption(
        "--require-verified",
        action="store_true",
        default=None,
        help="a clause that could not be verified fails instead of being skipped",
    )
    group.addoption(
        "--compliance-report",
        metavar="PATH",
        action="append",
        default=[],
        help="write a compliance report; format by extension: .json, .md or .html (repeatable)",
    )
    group.addoption(
        "--reference-profile",
        metavar="NAME",
        help="reference-server profile that serves when no --base-url is given (default: the newest, 8.8)",
    )
    group.addoption(
        "--reference-operation",
        metavar="KEY:STEP:DONE/TOTAL|none",
        help=f"import operation the embedded reference server starts with (default {DEFAULT_OPERATION}; "
        "none = a fresh server)",
    )
    group.addoption("--request-timeout", metavar="SECONDS", type=float, help="timeout of every request (default 10)")
    group.addoption(
        "--ca-bundle",
        metavar="PATH",
        help="CA certificates to verify the server's TLS certificate with (env RC_CA_BUNDLE); "
        "verification is always on",
    )
    group.addoption(
        "--rate-limit-wait",
        metavar="SECONDS",
        type=float,
        help="how long to wait for a rate-limit window to reset before a clause is left unverified (default 65)",
    )
    group.addoption(
        "--fuzz-examples",
        metavar="N",
        type=int,
        help="examples per generated test (tests/test_generated.py: schemathesis and hostile credentials; default 5)",
    )
    group.addoption(
        "--fuzz-seed",
        metavar="SEED",
        type=int,
        help="seed of the generated tests (default: a fixed one; a failure prints the seed to replay it with)",
    )
    parser.addini("rc_strict_docs", "like --strict-docs", type="bool", default=False)
    parser.addini("rc_require_verified", "like --require-verified", type="bool", default=False)
    parser.addini("rc_reference_profile", "like --reference-profile", default="")
    parser.addini("rc_request_timeout", "like --request-timeout", default="10")
    parser.addini("rc_ca_bundle", "like --ca-bundle", default="")


def _option(
    config: pytest.Config, name: str, ini: str | None = None, env: str | None = None, default: Any = None
) -> Any:
    value = config.getoption(name)
    if value is None and env:
        value = os.environ.get(env) or None
    if value is None and ini:
        value = config.getini(ini)
        if value in ("", None):
            value = None
    return default if value is None else value


def pytest_configure(config: pytest.Config) -> None:
    config.stash[STATE] = PluginState()
    config.addinivalue_line("markers", "generated: sends generated requests (they go out with the run's probes)")
    if config.getoption("help", False):
        return
    options = config.stash[STATE].options = validate(config, os.environ)
    from .generated import configure

    configure(options.fuzz_examples, options.fuzz_seed)


def _profile(config: pytest.Config) -> str:
    from .reference import NEWEST_PROFILE

    return str(_option(config, "reference_profile", "rc_reference_profile", default=NEWEST_PROFILE))


def pytest_report_header(config: pytest.Config) -> list[str]:
    base_url = config.getoption("base_url", default=None)
    if base_url:
        return [f"rocketchat-contract: target {base_url}"]
    return [
        f"rocketchat-contract: no --base-url given, so the target is the embedded reference server "
        f"(profile {_profile(config)}), a reproduction of Rocket.Chat, not a real server"
    ]


def pytest_collection_finish(session: pytest.Session) -> None:
    state = session.config.stash[STATE]
    state.generated = any(item.get_closest_marker("generated") for item in session.items)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("clause")
    if marker and "probe" in metafunc.fixturenames:
        probes = contract().clause(marker.args[0]).probes
        assert isinstance(probes, tuple), f"clause {marker.args[0]} has no probe list"
        metafunc.parametrize("probe", probes)


def _start_embedded(config: pytest.Config, state: PluginState) -> Settings:
    from .credentials import Credential
    from .reference import Knobs, ReferenceServer

    operation = state.options.reference_operation
    server = ReferenceServer(profile=_profile(config), knobs=Knobs(delay_scale=1.0, operation=operation)).start()
    state.embedded = server
    admin, user = server.accounts["admin"], server.accounts["user"]
    return Settings(
        base_url=server.url,
        privileged=Credential("privileged", username=admin.username, password=admin.password, source="embedded"),
        under=None
        if config.getoption("provision_user")
        else Credential("under-privileged", username=user.username, password=user.password, source="embedded"),
        embedded=server.profile,
    )


def _settings(config: pytest.Config, base_url: str | None, state: PluginState) -> Settings:
    options = state.options
    if base_url:
        settings = Settings(base_url=base_url, privileged=options.privileged, under=options.under)
    else:
        settings = _start_embedded(config, state)
    settings.timeout = options.request_timeout
    settings.verify = options.verify
    settings.provision_user = options.provision_user
    settings.seed_import = options.seed_import
    settings.rc_version = options.rc_version
    settings.rate_limit_wait = options.rate_limit_wait
    return settings


@pytest.fixture(scope="session")
def rc_run(request: pytest.FixtureRequest, base_url: str | None) -> Iterator[ContractRun]:
    """Return the contract run against the target, started once per session."""
    config = request.config
    state = config.stash[STATE]
    try:
        run = ContractRun(_settings(config, base_url, state))
    except Exception as exc:
        what = f"set up the run against {base_url}" if base_url else "start the embedded reference server"
        pytest.exit(f"rocketchat-contract: could not {what}: {exc}", returncode=4)
    run.notes += state.options.notes
    state.run = run
    if state.generated:
        from .generated import prepare_wave

        run.companions["generated-wave"] = prepare_wave
    restore = _interrupt_on_sigterm()
    try:
        try:
            run.start()
        except TargetError as exc:
            state.cleanup_problems += run.close()
            run.aborted = f"cannot test {run.settings.base_url}: {exc}"
            pytest.exit(f"rocketchat-contract: {run.aborted}", returncode=4)
        _add_metadata(config, run)
        yield run
    finally:
        if not run.closed:
            state.cleanup_problems += run.close()
        restore()


def _add_metadata(config: pytest.Config, run: ContractRun) -> None:
    """Show the server version and era in pytest-html's environment table (pytest-metadata), never a secret."""
    try:
        from pytest_metadata.plugin import metadata_key
    except ImportError:
        return
    metadata = config.stash.get(metadata_key, None)
    if metadata is not None and run.placement is not None:
        metadata["Rocket.Chat"] = f"{run.placement.reported} (era {run.placement.era.id})"
        embedded = run.settings.embedded
        metadata["Contract target"] = f"reference profile {embedded}" if embedded else run.settings.base_url


def _interrupt_on_sigterm() -> Callable[[], None]:
    """Turn SIGTERM (CI cancelling a job) into KeyboardInterrupt so provisioned users are still deleted."""
    try:
        previous = signal.getsignal(signal.SIGTERM)

        def interrupt(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        return lambda: None

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


class ContractCheck:
    """What a contract test calls: judge one clause on the run's observations and end the test accordingly."""

    def __init__(self, run: ContractRun, node: pytest.Item, config: pytest.Config) -> None:
        self.run = run
        self.node = node
        self.config = config

    def check(
        self, clause_id: str, probe: str | None = None, observations: Mapping[str, Observation] | None = None
    ) -> Judgement:
        """Judge on the run's probes, or on ``observations`` (the generated tests' own exchanges)."""
        assert self.run.judge is not None
        seen = self.run.observations if observations is None else observations
        judgement = self.run.judge.judge(clause_id, seen, probe)
        self.config.stash[STATE].ledger.add(judgement)
        self.node.user_properties += [("clause", clause_id), ("verdict", judgement.verdict.value)]
        if probe:
            self.node.user_properties.append(("probe", probe))
        if judgement.drift:
            self.node.user_properties.append(("drift", judgement.drift.id))
        enforce(
            judgement,
            strict_docs=_flag(self.config, "strict_docs", "rc_strict_docs"),
            require_verified=_flag(self.config, "require_verified", "rc_require_verified"),
        )
        return judgement


def _flag(config: pytest.Config, name: str, ini: str) -> bool:
    return bool(config.getoption(name) or config.getini(ini))


def enforce(judgement: Judgement, *, strict_docs: bool, require_verified: bool) -> None:
    """End the current test as the verdict says: pass, xfail (drift), skip (not verified) or fail."""
    where = f"{judgement.clause} [{judgement.probe}]" if judgement.probe else judgement.clause
    text = f"{where}: {judgement.detail}"
    if judgement.verdict is Verdict.CONFORMS:
        return
    if judgement.verdict is Verdict.KNOWN_DRIFT:
        if strict_docs:
            pytest.fail(f"{text}\n(--strict-docs: known drift counts as failure)", pytrace=False)
        pytest.xfail(text)
    if judgement.verdict is Verdict.NOT_VERIFIED:
        if require_verified:
            pytest.fail(f"{text}\n(--require-verified: unverified clauses fail)", pytrace=False)
        raise pytest.skip.Exception(text, _use_item_location=True)
    pytest.fail(text, pytrace=False)


@pytest.fixture
def contract_check(rc_run: ContractRun, request: pytest.FixtureRequest) -> ContractCheck:
    """Return the checker a contract test uses to judge its clause."""
    return ContractCheck(rc_run, request.node, request.config)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or state.run is None:
        return
    from .summary import summary_lines

    lines = summary_lines(state.run, state.ledger, state.cleanup_problems)
    if lines:
        terminalreporter.section("rocketchat-contract verdicts")
    for line in lines:
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = config.stash.get(STATE, None)
    if state is None or state.run is None:
        return
    paths = config.getoption("compliance_report") or []
    if paths:
        from .reports import write_reports

        write_reports(
            [Path(p) for p in paths],
            state.run,
            state.ledger,
            strict_docs=_flag(config, "strict_docs", "rc_strict_docs"),
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None and state.embedded is not None:
        state.embedded.stop()
        state.embedded = None
