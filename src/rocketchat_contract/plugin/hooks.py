"""The pytest plugin's hooks and fixtures (entry point ``pytest11``, name ``rocketchat_contract``).

It stays out of the way of sessions that don't use it: importing it costs only pytest and the plugin's light
modules, and it does nothing (no header, no credential check, no heavy import) unless the session collects
contract tests (marked ``clause``) or one of its own options is given. The options are declared in
``flags.py`` and validated in ``options.py``; the run is obtained in ``session.py``, tests end as
``outcome.py`` says, and the table and reports are gathered in ``reporting.py``.
"""

from __future__ import annotations

import os
import shlex
import sys
from typing import TYPE_CHECKING, Any

import pytest

from rocketchat_contract.plugin.flags import GROUP, add_options, given
from rocketchat_contract.plugin.state import JUDGED, REPORT_KEY, STATE, PluginState, in_worker, options

if TYPE_CHECKING:
    from rocketchat_contract.plugin.outcome import ContractCheck
    from rocketchat_contract.plugin.reporting import Collector
    from rocketchat_contract.results.record import RunRecord

MARKERS = ("clause", "generated")


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[STATE] = PluginState()
    config.pluginmanager.register(_ReportListener(config), f"{GROUP}-reports")
    config.addinivalue_line("markers", "clause(id): the contract clause a test judges (rocketchat-contract)")
    config.addinivalue_line("markers", "generated: judges generated requests (they go out with the run's probes)")
    if given(config):
        _activate(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None and state.restore_signals is not None:
        state.restore_signals()
        state.restore_signals = None


def _activate(config: pytest.Config) -> None:
    """From here on the session is a contract run: its settings are checked, and Ctrl-C and SIGTERM interrupt it
    even where a KeyboardInterrupt would be lost (client/interrupt.py), so that what the run created is undone."""
    from rocketchat_contract.client import interrupt

    state = config.stash[STATE]
    state.active = True
    _validate_options(config)
    state.restore_signals = interrupt.install()


def _validate_options(config: pytest.Config) -> None:
    """Every option, ini value and credential variable, checked before any traffic once the plugin is active
    (their data is imported only then); a bad one is one line and exit status 4."""
    if config.getoption("help", False):
        return
    from rocketchat_contract.plugin.options import validate

    settings = validate(config, os.environ)
    config.stash[STATE].options = settings
    if settings.base_url:
        _hide_base_url_password(config, settings.base_url)


def _hide_base_url_password(config: pytest.Config, base_url: str) -> None:
    """Keep a password in --base-url out of pytest-base-url's header line and pytest-html's environment: the run
    reads the URL from the validated options, so pytest-base-url's copy may show the mask."""
    from rocketchat_contract.client.redact import display_url

    shown = display_url(base_url)
    if shown == base_url:
        return
    config.option.base_url = shown
    try:
        from pytest_metadata.plugin import metadata_key
    except ImportError:
        return
    metadata = config.stash.get(metadata_key, None)
    if metadata is not None and "Base URL" in metadata:
        metadata["Base URL"] = shown


def _header(config: pytest.Config) -> str:
    from rocketchat_contract.client.printable import printable

    return printable(_header_text(config))


def _header_text(config: pytest.Config) -> str:
    settings = options(config)
    base_url = settings.base_url
    if base_url:
        from rocketchat_contract.client.redact import display_url

        verify = settings.run.verify
        https = base_url.startswith("https")
        tls = f"; CA bundle {verify} ({settings.run.verify_source})" if isinstance(verify, str) and https else ""
        return f"rocketchat-contract: target {display_url(base_url)}{tls}{_through(base_url)}"
    return (
        f"rocketchat-contract: no --base-url given, so the target is the embedded reference server "
        f"(profile {settings.profile}), a reproduction of Rocket.Chat, not a real server{_through('http://127.0.0.1/')}"
    )


def _through(url: str) -> str:
    """``; through proxy URL (VARIABLE)`` when the environment routes requests to ``url`` through a proxy."""
    from rocketchat_contract.client.proxy import route

    said = route(url)
    return f"; {said}" if said else ""


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[STATE]
    if not state.active:
        return []
    state.header_shown = True
    return [_header(config)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("clause")
    if marker and "probe" in metafunc.fixturenames:
        from rocketchat_contract.contract.catalogue import contract

        probes = contract().clause(marker.args[0]).probes
        assert isinstance(probes, tuple), f"clause {marker.args[0]} has no probe list"
        metafunc.parametrize("probe", probes)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Make each contract test's clause id and probe keywords, so ``-k permission`` or ``-k auth.missing`` selects
    it (tryfirst: ``-k`` deselects in this same hook, and what was collected is counted before that)."""
    state = config.stash[STATE]
    state.collected = len(items)
    for item in items:
        marker = item.get_closest_marker("clause")
        if marker is None:
            continue
        item.extra_keyword_matches.add(str(marker.args[0]))
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "probe" in callspec.params:
            item.extra_keyword_matches.add(str(callspec.params["probe"]))
    if state.active and not any(_is_contract_test(item) for item in items):
        _not_collected(config, items)
    elif in_worker(config) and _base_url_typed(config):
        config.workeroutput[REPORT_KEY] = {"collected": len(items)}  # type: ignore[attr-defined]


def _is_contract_test(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(name) for name in MARKERS)


def _not_collected(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Asked to test a server (one of the plugin's own options given) in a session that collected no contract test,
    such as ``pytest --base-url URL --compliance-report r.json`` outside a checkout: nothing runs, and the session
    ends with one line saying how to run the suite from here, exit status 4, and the requested reports written as
    aborted. ``--base-url`` alone does not ask: other plugins (Playwright, Selenium) read it too."""
    from rocketchat_contract.client.redact import display_url
    from rocketchat_contract.results.record import RunRecord

    settings = options(config)
    found = f"none of the {len(items)} tests collected is a contract test" if items else "no test was collected"
    error = (
        f"the contract suite was not collected here ({found}); it comes with the package: run it from this "
        f"directory with {_run_command(config)}"
    )
    embedded = None if settings.base_url else settings.profile
    record = RunRecord(base_url=display_url(settings.base_url or ""), embedded=embedded, error=error)
    line = f"rocketchat-contract: {error}"
    items.clear()  # nothing of the session runs, under pytest-xdist either
    if in_worker(config):
        # The controller collects nothing: it learns of this when the worker ends (_ReportListener).
        config.workeroutput[REPORT_KEY] = {"error": line, "run": record.meta()}  # type: ignore[attr-defined]
        return
    if (unwritten := _write_aborted_reports(config, record)) is not None:
        line = f"{line}; {unwritten}"
    _cannot_test(config, line)


def _run_command(config: pytest.Config) -> str:
    """``rocketchat-contract run`` with the session's command line, less its test paths (``run`` brings the suite)
    and with a password in a URL masked."""
    from rocketchat_contract.client.redact import display_url

    paths = {str(path) for path in config.option.file_or_dir or ()}
    given = [str(arg) for arg in config.invocation_params.args if str(arg) not in paths and arg != "--pyargs"]
    shown = []
    for arg in given:
        name, equals, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
        shown.append(f"{name}{equals}{display_url(value)}")
    return shlex.join(["rocketchat-contract", "run", *shown])


def _base_url_typed(config: pytest.Config) -> bool:
    """Whether ``--base-url`` is on the command line (its value is read by options.py alone)."""
    return any(arg == "--base-url" or str(arg).startswith("--base-url=") for arg in config.invocation_params.args)


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    state = config.stash[STATE]
    if not any(_is_contract_test(item) for item in session.items):
        return
    state.selection = _selection(session.items)
    if not state.active:
        try:
            _activate(config)
        except pytest.UsageError as exc:
            _cannot_test(config, f"ERROR: {exc}")
            return
    _show_header(config)


def _selection(items: list[pytest.Item]) -> dict[str, Any]:
    """What the session's contract tests judge (each worker of pytest-xdist collects, and selects, the same)."""
    from rocketchat_contract.results.selection import selection_of

    tests = []
    for item in items:
        marker = item.get_closest_marker("clause")
        if marker is not None:
            callspec = getattr(item, "callspec", None)
            probe = callspec.params.get("probe") if callspec is not None else None
            tests.append((str(marker.args[0]), None if probe is None else str(probe)))
    return selection_of(tests)


def _show_header(config: pytest.Config) -> None:
    """The plugin's header line, once per session, where pytest's own header could not carry it."""
    state = config.stash[STATE]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and not state.header_shown:
        reporter.write_line(_header(config))
        state.header_shown = True


def _cannot_test(config: pytest.Config, line: str) -> None:
    """End the session with ``line`` alone and exit status 4. A pytest-xdist worker keeps the line for its tests
    to report instead (rc_run): pytest.exit there would crash the controller, which ends with the line."""
    config.stash[STATE].stop_line = line
    if in_worker(config):
        return
    _last_words(config, line)
    pytest.exit(line, returncode=4)


def _last_words(config: pytest.Config, line: str) -> None:
    """Make ``line`` the session's last output. pytest would frame an ended session with its own lines ("no tests
    ran", the exit exception, an error per test) and has no public switch for that, so its terminal reporter is
    unregistered, leaving the session as ``-p no:terminal`` would; the line is written at session finish, as a
    test's set-up (where the run happens) has its output captured."""
    from rocketchat_contract.client.printable import printable

    state = config.stash[STATE]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        config.pluginmanager.unregister(reporter)
    state.last_words = (reporter, printable(line, lines=True))


@pytest.fixture(scope="session")
def rc_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> RunRecord:
    """The contract run against the target, done once (once per pytest-xdist run, too) and judged entirely."""
    config = request.config
    state = config.stash[STATE]
    if state.record is None and state.stop_line is None:
        from rocketchat_contract.plugin.session import obtain

        state.record = obtain(config, tmp_path_factory)
        if state.selection is not None:
            state.record.selection = state.selection
        if state.record.error:
            line = f"rocketchat-contract: {state.record.error}"
            if not in_worker(config) and (unwritten := _write_aborted_reports(config, state.record)) is not None:
                line = f"{line}; {unwritten}"
            _cannot_test(config, line)
    if state.stop_line is not None:
        # Only in a pytest-xdist worker: stop it, and the controller ends with the line (_ReportListener).
        request.session.shouldstop = state.stop_line
        pytest.fail(state.stop_line, pytrace=False)
    assert state.record is not None
    return state.record


@pytest.fixture
def contract_check(rc_run: RunRecord, request: pytest.FixtureRequest) -> ContractCheck:
    """The checker a contract test ends with: its clause comes from the test's ``clause`` marker."""
    from rocketchat_contract.plugin.outcome import ContractCheck

    return ContractCheck(rc_run, request.node, request.config)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    judgement = item.stash.get(JUDGED, None)
    record = item.config.stash[STATE].record
    stop_line = item.config.stash[STATE].stop_line
    if judgement is not None and record is not None and report.when == "call":
        setattr(report, REPORT_KEY, {"judgement": judgement.to_json(), "run": record.meta()})
    elif stop_line is not None and report.when == "setup" and report.failed:
        data: dict[str, Any] = {"error": stop_line}
        if record is not None:
            data["run"] = record.meta()
        setattr(report, REPORT_KEY, data)
    return report


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, str] | None:
    """A test that stopped because the target cannot be tested shows nothing: the session's one line says it."""
    data = getattr(report, REPORT_KEY, None)
    if isinstance(data, dict) and "error" in data:
        return "error", "", ""
    return None


class _ReportListener:
    """Receives every test report of its session: in the only process, or in the pytest-xdist controller."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.state = config.stash[STATE]
        self.error: str | None = None

    @pytest.hookimpl(tryfirst=True)  # the header goes before the first contract test's progress letter
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, REPORT_KEY, None)
        if not isinstance(data, dict) or in_worker(self.config):
            return
        if "error" in data:
            if self.error is None:
                self.error = str(data["error"])
                self._end(data)
            return
        if not self.state.active:
            # pytest-xdist's controller collects nothing, so a worker's report is how it learns that this is a
            # contract session; it then activates as the workers did at collection.
            _activate(self.config)
        _show_header(self.config)
        if self.state.collector is None:
            from rocketchat_contract.plugin.reporting import Collector

            self.state.collector = Collector()
        self.state.collector.add(data)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """A pytest-xdist worker ended: one that collected no contract test though asked to test a server said so
        (_not_collected); every worker collects alike, so the first one's word ends the session."""
        data = getattr(node, "workeroutput", {}).get(REPORT_KEY)
        if not isinstance(data, dict):
            return
        if "collected" in data:
            self.state.collected = int(data["collected"])
        if "error" in data and self.error is None:
            self.error = str(data["error"])
            self._end(data)

    def _end(self, data: dict[str, Any]) -> None:
        """A worker could not test the target: write the requested reports saying why, and end with its line."""
        line = self.error or ""
        if "run" in data:  # the settings were valid: the controller can use them as the workers did
            from rocketchat_contract.results.record import RunRecord

            if not self.state.active:
                _activate(self.config)
            _show_header(self.config)
            if (unwritten := _write_aborted_reports(self.config, RunRecord(**data["run"]))) is not None:
                line = f"{line}; {unwritten}"
        _last_words(self.config, line)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """A target that could not be tested ends the session with its line and exit status 4, under pytest-xdist
        too."""
        if self.error is not None and not in_worker(session.config):
            session.exitstatus = 4
        if self.state.last_words is not None:
            reporter, line = self.state.last_words
            if reporter is None:
                sys.stderr.write(f"{line}\n")
            else:
                reporter.write_line(line, red=True, bold=True)


def _hint_at_run(terminalreporter: Any, config: pytest.Config) -> None:
    """A session given --base-url on its command line that collected nothing at all: one line on how to run the
    contract suite from here (not an error: the exit status stays pytest's 5, as --base-url may be meant for
    another plugin's tests)."""
    if _base_url_typed(config):
        terminalreporter.write_line(
            "rocketchat-contract: no test was collected; to test the Rocket.Chat server at --base-url from this "
            f"directory, the contract suite that comes with the package runs with: {_run_command(config)}"
        )


def _write_aborted_reports(config: pytest.Config, record: RunRecord) -> str | None:
    """Requested reports of a run that judged nothing still get written, saying why (their ``aborted`` field)."""
    from rocketchat_contract.plugin.reporting import Collector

    collector = Collector()
    collector.run = record
    return _write_reports(config, collector)


def _write_reports(config: pytest.Config, collector: Collector) -> str | None:
    """Write the reports --compliance-report asks for, if any; say in one line which could not be written."""
    from rocketchat_contract.reports.render import ReportWriteError

    settings = options(config)
    if not settings.reports:
        return None
    try:
        collector.write(list(settings.reports), strict_docs=settings.strict_docs)
        if settings.attest_key is not None and collector.run is not None and not collector.run.error:
            collector.attest(list(settings.reports), settings.attest_key)
    except ReportWriteError as exc:
        return str(exc)
    return None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None and not state.active and state.collected == 0 and not in_worker(config):
        _hint_at_run(terminalreporter, config)
    if state is None or state.collector is None or in_worker(config):
        return
    terminalreporter.section("rocketchat-contract verdicts")
    for line in state.collector.summary_lines():
        terminalreporter.write_line(line)
    if state.report_error is not None:
        terminalreporter.write_line(f"rocketchat-contract: {state.report_error}", red=True, bold=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = config.stash.get(STATE, None)
    if state is not None and state.active and session.exitstatus in (0, 1):
        from rocketchat_contract.client.interrupt import requested

        if requested():  # an interrupt came, though something swallowed its KeyboardInterrupt
            session.exitstatus = pytest.ExitCode.INTERRUPTED
    if state is None or state.collector is None or in_worker(config):
        return
    state.report_error = _write_reports(config, state.collector)
    if state.report_error is not None and session.exitstatus == 0:
        session.exitstatus = 4  # a CI job must not pass without the report it asked for


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> Any:
    """A path option written with a space (``--ca-bundle /etc/ca.pem``) must not root the session elsewhere;
    checked before pytest's output capture starts, since the repair may run the command again."""
    if any((arg.startswith("--") and "=" not in arg) or arg.startswith("@") for arg in args):
        from rocketchat_contract.plugin.space_paths import repair

        repair(early_config, args)
    return (yield)
