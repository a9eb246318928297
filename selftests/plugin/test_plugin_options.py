"""The plugin's command line (one group, named as in the README), the ini equivalents, and staying out of the way
of sessions that don't run contract tests."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "docs" / "real-servers.md"
OPTIONS = (
    "--provision-user",
    "--seed-import",
    "--rc-version",
    "--strict-docs",
    "--require-verified",
    "--compliance-report",
    "--reference-profile",
    "--reference-operation",
    "--rc-request-timeout",
    "--rc-request-deadline",
    "--rc-max-body",
    "--rc-ca-bundle",
    "--rc-rate-limit-wait",
    "--fuzz-examples",
    "--fuzz-seed",
    "--extra-drift",
)
ALIASES = {"--rc-request-timeout": "--request-timeout", "--rc-ca-bundle": "--ca-bundle"}
ALIASES["--rc-rate-limit-wait"] = "--rate-limit-wait"
LIGHT = (
    "rocketchat_contract",
    "rocketchat_contract.plugin",
    "rocketchat_contract.plugin.hooks",
    "rocketchat_contract.plugin.flags",
    "rocketchat_contract.plugin.values",
    "rocketchat_contract.plugin.state",
    "rocketchat_contract.client",
    "rocketchat_contract.client.defaults",
    "rocketchat_contract.client.fuzz",
    "rocketchat_contract.client.fuzz.config",
)
"""What the plugin module imports of its own: its hooks, its option declarations and the forms of their values, its
state, and the defaults its help quotes (modules of constants)."""
HEAVY = (
    "schemathesis",
    "hypothesis",
    "jsonschema",
    "requests",
    "werkzeug",
    "yaml",
    "rocketchat_contract.contract.catalogue",
)


def test_help_lists_every_option_in_its_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--help", "-p", "no:cacheprovider")
    assert result.ret == 0
    text = result.stdout.str()
    group = text.index("\nrocketchat-contract:\n")
    for option in OPTIONS:
        assert text.index(option, group) > group, option
    for new, old in ALIASES.items():
        assert f"{new}=" in text and f", {old}=" in text, old
    assert text.count("--base-url") >= 1, "pytest-base-url owns --base-url"
    result.stdout.fnmatch_lines(["*rc_strict_docs (bool):*", "*like --strict-docs*"])


def test_readme_names_the_group_and_every_option() -> None:
    readme = README.read_text(encoding="utf-8")
    assert "`pytest --help` lists them under **rocketchat-contract**" in readme
    for option in (*OPTIONS, *ALIASES.values()):
        assert f"`{option}" in readme, option


CONTRACT_TEST = "import pytest\n\npytestmark = pytest.mark.clause('success.response')\n\n"
"""A test the plugin counts as a contract test (it sends nothing: it does not ask for ``contract_check``): a session
given the plugin's own options and no contract test ends at collection (test_not_collected.py)."""


def test_old_option_names_still_work(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        CONTRACT_TEST
        + textwrap.dedent(
            """
            def test_values(request):
                assert request.config.getoption("request_timeout") == 3.0
                assert request.config.getoption("rate_limit_wait") == 5.0
            """
        )
    )
    assert (
        pytester.runpytest_inprocess(
            "-p", "no:cacheprovider", "--request-timeout", "3", "--rc-rate-limit-wait", "5"
        ).ret
        == 0
    )


def test_ini_turns_on_strict_docs(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nrc_strict_docs = true\n")
    pytester.makepyfile(
        CONTRACT_TEST
        + textwrap.dedent(
            """
            def test_flag(request):
                from rocketchat_contract.plugin.state import options
                assert options(request.config).strict_docs
            """
        )
    )
    # An option of its own activates the plugin, which then validates every setting, the ini file's too.
    assert pytester.runpytest_inprocess("-p", "no:cacheprovider", "--rc-request-timeout", "3").ret == 0


def test_the_request_bounds_from_ini_and_command_line(pytester: pytest.Pytester) -> None:
    """The body cap and the deadline read from the ini file (the command line wins), with a note when the
    deadline is shorter than the timeout."""
    pytester.makeini("[pytest]\nrc_max_body = 2MiB\nrc_request_deadline = 45\n")
    pytester.makepyfile(
        CONTRACT_TEST
        + textwrap.dedent(
            """
            def test_values(request):
                from rocketchat_contract.plugin.state import options
                settings = options(request.config)
                assert (settings.run.max_body, settings.run.deadline) == (2 * 1024 * 1024, 4.0)
                assert "--rc-request-deadline 4 is shorter than the request timeout (5 s)" in settings.notes[0]
            """
        )
    )
    args = ("-p", "no:cacheprovider", "--rc-request-timeout", "5", "--rc-request-deadline", "4")
    assert pytester.runpytest_inprocess(*args).ret == 0


def test_numbers_in_pytest_toml_are_numbers(pytester: pytest.Pytester) -> None:
    """In pytest.toml a timeout or a size may be a TOML number (``rc_request_timeout = 5``), as well as text; pytest
    refused the number ("expects a string, got int") while those values were declared as text only."""
    pytester.makefile(
        ".toml", pytest="[pytest]\nrc_request_timeout = 5\nrc_request_deadline = 12.5\nrc_max_body = \"2MiB\"\n"
    )
    pytester.makepyfile(
        CONTRACT_TEST
        + textwrap.dedent(
            """
            def test_values(request):
                from rocketchat_contract.plugin.state import options
                run = options(request.config).run
                assert (run.timeout, run.deadline, run.max_body) == (5.0, 12.5, 2 * 1024 * 1024)
            """
        )
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--rc-rate-limit-wait", "3")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()


def test_header_names_the_embedded_target(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CONTRACT_TEST + "def test_nothing(): pass")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--reference-profile", "3.18")
    result.stdout.fnmatch_lines(["*no --base-url given*embedded reference server (profile 3.18)*not a real server*"])


def test_an_unrelated_session_is_left_alone(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Half a credential pair in the environment, no contract test: exit 0, no header, nothing imported beyond
    the plugin module (compared with the same session without the plugin)."""
    monkeypatch.setenv("RC_ADMIN_USER_ID", "abc")
    monkeypatch.delenv("RC_ADMIN_TOKEN", raising=False)
    pytester.makepyfile(
        """
        import json, os, sys

        def test_unrelated():
            assert 1 + 1 == 2

        def test_record_modules():
            with open(os.environ["MODULES_OUT"], "w") as out:
                json.dump(sorted(sys.modules), out)
        """
    )
    loaded = {}
    for name, extra in (("with", []), ("without", ["-p", "no:rocketchat_contract"])):
        monkeypatch.setenv("MODULES_OUT", str(pytester.path / f"{name}.json"))
        # A subprocess: an in-process run shares this process's modules, which the self-tests have imported.
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *extra)
        assert result.ret == 0, result.stdout.str()
        assert "rocketchat-contract:" not in result.stdout.str()
        assert "RC_ADMIN_TOKEN" not in result.stdout.str() + result.stderr.str()
        loaded[name] = set(json.loads((pytester.path / f"{name}.json").read_text()))
    assert loaded["with"] - loaded["without"] <= set(LIGHT)


def test_the_plugin_module_imports_only_pytest() -> None:
    code = "import sys, rocketchat_contract.plugin.hooks; print(sorted(m for m in sys.modules if m.startswith(%r)))"
    heavy = subprocess.run(
        [sys.executable, "-c", f"{code % 'x'}; print([m for m in {HEAVY!r} if m in sys.modules])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert heavy.stdout.splitlines()[-1] == "[]", heavy.stdout


def test_disabling_the_plugin(pytester: pytest.Pytester) -> None:
    """``-p no:rocketchat_contract`` leaves a working pytest whose help has no group of the plugin (a help that
    crashed would lack the plugin's options too, so the help must be whole)."""
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:rocketchat_contract", "--help")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    text = result.stdout.str()
    assert text.startswith("usage: ") and "\ngeneral:\n" in text and "--base-url=url" in text  # pytest-base-url's
    assert "\nrocketchat-contract:\n" not in text and "--provision-user" not in text
    assert result.stderr.str() == ""
