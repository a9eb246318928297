"""The plugin's command line: one named option group with help text, and the ini equivalents."""

from __future__ import annotations

import pytest

OPTIONS = (
    "--provision-user",
    "--seed-import",
    "--rc-version",
    "--strict-docs",
    "--require-verified",
    "--compliance-report",
    "--reference-profile",
    "--reference-operation",
    "--request-timeout",
    "--ca-bundle",
    "--rate-limit-wait",
    "--fuzz-examples",
    "--fuzz-seed",
    "--extra-drift",
)


def test_help_lists_every_option_in_its_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--help", "-p", "no:cacheprovider")
    assert result.ret == 0
    text = result.stdout.str()
    group = text.index("Rocket.Chat getImportProgress contract:")
    for option in OPTIONS:
        assert text.index(option, group) > group, option
    assert text.count("--base-url") >= 1, "pytest-base-url owns --base-url"
    result.stdout.fnmatch_lines(["*rc_strict_docs (bool):*", "*like --strict-docs*"])


def test_ini_turns_on_strict_docs(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nrc_strict_docs = true\n")
    pytester.makepyfile(
        """
        def test_flag(request):
            from rocketchat_contract.plugin import _flag
            assert _flag(request.config, "strict_docs", "rc_strict_docs")
        """
    )
    assert pytester.runpytest_inprocess("-p", "no:cacheprovider").ret == 0


def test_header_names_the_embedded_target(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--reference-profile", "3.18")
    result.stdout.fnmatch_lines(["*no --base-url given*embedded reference server (profile 3.18)*not a real server*"])
