"""The plugin's command-line options and ini values: declared once, here, as data.

Everything else that needs to know the options (whether one was given, which take a path) reads ``FLAGS``. Each
option with a value has a ``Form`` (values.py) that pytest's parser applies as it reads the command line, so
``config.getoption`` holds the typed value, or an ``Invalid`` value the plugin reports as one line. The defaults the
help quotes are the run's own (client/defaults.py, client/fuzz/config.py).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from rocketchat_contract.client.defaults import (
    DEADLINE_PER_TIMEOUT,
    DEFAULT_MAX_BODY,
    DEFAULT_RATE_LIMIT_WAIT,
    DEFAULT_TIMEOUT,
    MiB,
    default_deadline,
)
from rocketchat_contract.client.fuzz.config import DEFAULT_EXAMPLES
from rocketchat_contract.plugin import values
from rocketchat_contract.plugin.values import MAX_FUZZ_EXAMPLES, Checked, Form

GROUP = "rocketchat-contract"
DEFAULT_OPERATION = "csv:importer_done:500/500"


class Flag(NamedTuple):
    """One option: its names (the ``rc-`` name first, its older plain alias last), help, and kind of value."""

    names: tuple[str, ...]
    help: str
    metavar: str | None = None
    """None for a switch."""
    form: Form | None = None
    """How its text is read (values.py); None: kept as text, checked where it is used (paths, report names)."""
    repeat: bool = False
    path: bool = False
    """Its value is a path (pytest may take a spaced one for a test path: space_paths.py)."""

    @property
    def dest(self) -> str:
        """The attribute the value lands on: the last name's, so an option keeps its original attribute."""
        return self.names[-1].lstrip("-").replace("-", "_")

    def arguments(self) -> dict[str, Any]:
        if self.metavar is None:
            return {"action": "store_true", "default": None}
        arguments: dict[str, Any] = {"metavar": self.metavar}
        if self.form is not None:
            arguments.update(action=Checked, form=self.form)
        if self.repeat:
            arguments.update(action="append", default=[])
        return arguments


FLAGS = (
    Flag(
        ("--provision-user",),
        "create a throwaway user without run-import with the privileged account, use it as the under-privileged "
        "account, and delete it at the end (also on failure or Ctrl-C)",
    ),
    Flag(
        ("--seed-import",),
        "if the server has no import operation, create one (POST /api/v1/downloadPendingAvatars) so the success "
        "clauses can be verified; never done when an operation exists",
    ),
    Flag(
        ("--rc-version",),
        "judge the server as this version instead of the one /api/info reports",
        "X.Y[.Z]",
        values.VERSION,
    ),
    Flag(("--strict-docs",), "known drift fails the run (compliance with the documentation page itself)"),
    Flag(("--require-verified",), "a clause that could not be verified fails instead of being skipped"),
    Flag(
        ("--compliance-report",),
        "write a compliance report; format by extension: .json, .md or .html (repeatable)",
        "PATH",
        repeat=True,
        path=True,
    ),
    Flag(
        ("--attest-key",),
        "sign each JSON --compliance-report with this Ed25519 private key (PKCS#8 PEM): an in-toto attestation "
        "beside it, REPORT.intoto.jsonl, that `rocketchat-contract verify --attestation` checks",
        "PRIVATE.pem",
        path=True,
    ),
    Flag(
        ("--reference-profile",),
        "reference-server profile that serves when no --base-url is given (default 8.8, the newest profile built "
        "from an observed release; 9.0 and the older eras by name)",
        "NAME",
        values.PROFILE,
    ),
    Flag(
        ("--reference-operation",),
        f"import operation the embedded reference server starts with (default {DEFAULT_OPERATION}; "
        "none = a fresh server)",
        "KEY:STEP:DONE/TOTAL|none",
        values.OPERATION,
    ),
    Flag(
        ("--rc-request-timeout", "--request-timeout"),
        f"timeout of every request to the Rocket.Chat server (default {DEFAULT_TIMEOUT:g})",
        "SECONDS",
        values.POSITIVE_SECONDS,
    ),
    Flag(
        ("--rc-request-deadline",),
        "longest one request may take in all: connecting, headers, body and retries (default "
        f"{DEADLINE_PER_TIMEOUT} x the request timeout, so {default_deadline(DEFAULT_TIMEOUT):g})",
        "SECONDS",
        values.POSITIVE_SECONDS,
    ),
    Flag(
        ("--rc-max-body",),
        "most bytes read of any answer's body; a larger body is cut there and is a violation (default "
        f"{DEFAULT_MAX_BODY // MiB}MiB; bytes, or with KiB or MiB)",
        "BYTES",
        values.SIZE,
    ),
    Flag(
        ("--rc-ca-bundle", "--ca-bundle"),
        "CA certificates to verify the Rocket.Chat server's TLS certificate with (env RC_CA_BUNDLE); "
        "verification is always on",
        "PATH",
        path=True,
    ),
    Flag(
        ("--rc-rate-limit-wait", "--rate-limit-wait"),
        "how long to wait for a rate-limit window to reset before a clause is left unverified "
        f"(default {DEFAULT_RATE_LIMIT_WAIT:g})",
        "SECONDS",
        values.SECONDS,
    ),
    Flag(
        ("--fuzz-examples",),
        f"examples per kind of generated request (schemathesis and hostile credentials; default {DEFAULT_EXAMPLES}, "
        f"at most {MAX_FUZZ_EXAMPLES})",
        "N",
        values.EXAMPLES,
    ),
    Flag(
        ("--fuzz-seed",),
        "seed of the generated requests (default: a fixed one; a failure prints the seed to replay it with)",
        "SEED",
        values.WHOLE,
    ),
    Flag(
        ("--extra-drift",),
        "a local drift file (the format of contracts/drift.yaml, e.g. from rocketchat-contract propose-drift) "
        "whose entries count as known drift next to the shipped registry; repeatable",
        "FILE",
        repeat=True,
        path=True,
    ),
)


class Ini(NamedTuple):
    """An ini value that stands in for an option, which wins when both are given."""

    name: str
    flag: str
    """The option's first name."""
    type: Any
    """pytest's type of the value (``addini``): a union with ``str`` reads a TOML number as a number and an ini
    file's text as text, which the option's form then reads."""
    note: str = ""

    @property
    def help(self) -> str:
        return f"like {self.flag}{self.note}"


INI = (
    Ini("rc_extra_drift", "--extra-drift", "paths", " (one file per line)"),
    Ini("rc_strict_docs", "--strict-docs", "bool"),
    Ini("rc_require_verified", "--require-verified", "bool"),
    Ini("rc_reference_profile", "--reference-profile", str),
    Ini("rc_request_timeout", "--rc-request-timeout", str | float),
    Ini("rc_request_deadline", "--rc-request-deadline", str | float),
    Ini("rc_max_body", "--rc-max-body", str | int),
    Ini("rc_ca_bundle", "--rc-ca-bundle", str),
)
"""In the order ``--help`` lists them."""
OWN_OPTIONS = tuple(flag.dest for flag in FLAGS)
BY_NAME = {flag.names[0]: flag for flag in FLAGS}
PATH_FLAGS = frozenset(name for flag in FLAGS if flag.path for name in flag.names)


def add_options(parser: pytest.Parser) -> None:
    """Declare every option in the plugin's group, and the ini values (those of a list or a switch answer an empty
    list or false when unset, the others None)."""
    group = parser.getgroup(GROUP, GROUP)
    for flag in FLAGS:
        group.addoption(*flag.names, dest=flag.dest, help=flag.help, **flag.arguments())
    for ini in INI:
        if ini.type in ("paths", "bool"):
            parser.addini(ini.name, ini.help, type=ini.type)
        else:
            parser.addini(ini.name, ini.help, type=ini.type, default=None)


def given(config: pytest.Config) -> bool:
    """Whether one of the plugin's own options is on the command line."""
    return any(config.getoption(name) not in (None, []) for name in OWN_OPTIONS)
