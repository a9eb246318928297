"""The plugin's command-line options and ini values: declared once, here, as data.

Everything else that needs to know the options (whether one was given, which take a path) reads ``FLAGS``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

GROUP = "rocketchat-contract"
DEFAULT_OPERATION = "csv:importer_done:500/500"
MAX_FUZZ_EXAMPLES = 1000
"""The most --fuzz-examples takes: about ten requests per example, so some 10,000 requests and seconds of drawing."""


class Flag(NamedTuple):
    """One option: its names (the ``rc-`` name first, its older plain alias last), help, and kind of value."""

    names: tuple[str, ...]
    help: str
    metavar: str | None = None
    """None for a switch."""
    type: type | None = None
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
        if self.type is not None:
            arguments["type"] = self.type
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
    Flag(("--rc-version",), "judge the server as this version instead of the one /api/info reports", "X.Y[.Z]"),
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
    ),
    Flag(
        ("--reference-operation",),
        f"import operation the embedded reference server starts with (default {DEFAULT_OPERATION}; "
        "none = a fresh server)",
        "KEY:STEP:DONE/TOTAL|none",
    ),
    Flag(
        ("--rc-request-timeout", "--request-timeout"),
        "timeout of every request to the Rocket.Chat server (default 10)",
        "SECONDS",
        float,
    ),
    Flag(
        ("--rc-request-deadline",),
        "longest one request may take in all: connecting, headers, body and retries (default 3 x the request "
        "timeout, so 30)",
        "SECONDS",
        float,
    ),
    Flag(
        ("--rc-max-body",),
        "most bytes read of any answer's body; a larger body is cut there and is a violation (default 1MiB; "
        "bytes, or with KiB or MiB)",
        "BYTES",
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
        "how long to wait for a rate-limit window to reset before a clause is left unverified (default 65)",
        "SECONDS",
        float,
    ),
    Flag(
        ("--fuzz-examples",),
        "examples per kind of generated request (schemathesis and hostile credentials; default 5, "
        f"at most {MAX_FUZZ_EXAMPLES})",
        "N",
        int,
    ),
    Flag(
        ("--fuzz-seed",),
        "seed of the generated requests (default: a fixed one; a failure prints the seed to replay it with)",
        "SEED",
        int,
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
INI: tuple[tuple[str, str, str | None, Any], ...] = (
    ("rc_extra_drift", "like --extra-drift (one file per line)", "paths", []),
    ("rc_strict_docs", "like --strict-docs", "bool", False),
    ("rc_require_verified", "like --require-verified", "bool", False),
    ("rc_reference_profile", "like --reference-profile", None, ""),
    ("rc_request_timeout", "like --rc-request-timeout", None, "10"),
    ("rc_request_deadline", "like --rc-request-deadline", None, ""),
    ("rc_max_body", "like --rc-max-body", None, ""),
    ("rc_ca_bundle", "like --rc-ca-bundle", None, ""),
)
OWN_OPTIONS = tuple(flag.dest for flag in FLAGS)
PATH_FLAGS = frozenset(name for flag in FLAGS if flag.path for name in flag.names)


def add_options(parser: pytest.Parser) -> None:
    """Declare every option in the plugin's group, and the ini values."""
    group = parser.getgroup(GROUP, GROUP)
    for flag in FLAGS:
        group.addoption(*flag.names, dest=flag.dest, help=flag.help, **flag.arguments())
    for name, help, kind, default in INI:
        if kind is None:
            parser.addini(name, help, default=default)
        else:
            parser.addini(name, help, type=kind, default=default)  # type: ignore[arg-type]


def given(config: pytest.Config) -> bool:
    """Whether one of the plugin's own options is on the command line."""
    return any(config.getoption(name) not in (None, []) for name in OWN_OPTIONS)
