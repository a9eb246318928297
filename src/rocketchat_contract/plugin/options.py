"""Every option, ini value and environment variable of the plugin, checked before the run sends anything.

``validate`` turns them into typed values or raises ``pytest.UsageError`` with one line that names the
option and the form it accepts (pytest then exits with status 4). Combinations where an option has no
effect are not errors; they come back as notes for the run to print.
"""

from __future__ import annotations

import math
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from rocketchat_contract.client.bounds import DEFAULT_MAX_BODY, MiB
from rocketchat_contract.client.credentials import Credential, CredentialError, from_environment
from rocketchat_contract.client.fuzz.config import DEFAULT_EXAMPLES, SEED, Fuzz
from rocketchat_contract.client.redact import without_userinfo
from rocketchat_contract.client.tls import DEFAULT_SOURCE, CABundleError, resolve_ca_bundle
from rocketchat_contract.contract.versions import EXPECTED_FORM, VersionError, read_version
from rocketchat_contract.plugin.flags import DEFAULT_OPERATION, MAX_FUZZ_EXAMPLES
from rocketchat_contract.reports.render import ReportWriteError, check_report_path

DEFAULT_TIMEOUT = 10.0
DEFAULT_RATE_LIMIT_WAIT = 65.0
MIN_BODY, MAX_BODY = 1024, 256 * MiB
SIZE_FORM = "a number of bytes from 1024 to 256MiB, or with KiB or MiB (e.g. 4MiB)"
_SIZE = re.compile(r"(?P<number>\d+)\s*(?P<unit>kib|mib)?", re.IGNORECASE)
_UNITS = {"": 1, "kib": 1024, "mib": MiB}
URL_FORM = "http(s)://host[:port][/path], the server's root URL"
OPERATION_FORM = "KEY:STEP[:DONE/TOTAL] (e.g. csv:importer_done:500/500), or none for a server without an import"


class OptionError(ValueError):
    """One option with a value the suite cannot use; the message is one line."""


@dataclass(frozen=True)
class Options:
    """The plugin's settings, each checked and typed."""

    base_url: str | None = None
    request_timeout: float = DEFAULT_TIMEOUT
    request_deadline: float | None = None
    """None: three request timeouts (the client's default)."""
    max_body: int = DEFAULT_MAX_BODY
    rate_limit_wait: float = DEFAULT_RATE_LIMIT_WAIT
    verify: bool | str = True
    verify_source: str = DEFAULT_SOURCE
    """Where the CA bundle was named (an option, a variable, the ini file) or the default CAs."""
    rc_version: str | None = None
    reference_profile: str | None = None
    reference_operation: Any = None
    """The embedded server's operation (a ``reference.Operation``), None for a fresh server."""
    reports: tuple[Path, ...] = ()
    attest_key: Path | None = None
    """The Ed25519 private key (--attest-key) the JSON reports are signed with; read and checked, never kept."""
    fuzz_examples: int | None = None
    fuzz_seed: int | None = None
    strict_docs: bool = False
    require_verified: bool = False
    provision_user: bool = False
    seed_import: bool = False
    privileged: Credential | None = None
    under: Credential | None = None
    extra_drift: tuple[str, ...] = ()
    """Local drift files (--extra-drift or ini rc_extra_drift), each read and checked."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Options that a combination makes meaningless, folders created for reports."""

    @property
    def fuzz(self) -> Fuzz:
        """How many generated requests to draw, and from which seed."""
        examples = DEFAULT_EXAMPLES if self.fuzz_examples is None else self.fuzz_examples
        return Fuzz(examples, SEED if self.fuzz_seed is None else self.fuzz_seed)

    @property
    def profile(self) -> str:
        """The embedded reference server's profile."""
        from rocketchat_contract.reference import DEFAULT_PROFILE

        return self.reference_profile or DEFAULT_PROFILE


def validate(config: pytest.Config, environ: Mapping[str, str] | None = None) -> Options:
    """Check every setting of the plugin; raise ``pytest.UsageError`` (one line) on the first bad one."""
    env = os.environ if environ is None else environ
    try:
        return _validate(config, env)
    except (OptionError, CredentialError) as exc:
        raise pytest.UsageError(str(exc)) from None


def _validate(config: pytest.Config, env: Mapping[str, str]) -> Options:
    notes: list[str] = []
    base_url = _base_url(config, env)
    privileged = from_environment("privileged", env)
    under = from_environment("under-privileged", env)
    timeout = _seconds(
        config, ("--rc-request-timeout", "--request-timeout"), "rc_request_timeout", minimum=0.0, inclusive=False
    )
    deadline = _seconds(config, ("--rc-request-deadline",), "rc_request_deadline", minimum=0.0, inclusive=False)
    max_body = _size(config, ("--rc-max-body",), "rc_max_body")
    wait = _seconds(config, ("--rc-rate-limit-wait", "--rate-limit-wait"), None, minimum=0.0, inclusive=True)
    examples = config.getoption("fuzz_examples")
    if examples is not None and not 1 <= examples <= MAX_FUZZ_EXAMPLES:
        raise OptionError(
            f"--fuzz-examples {examples}: expected a whole number from 1 to {MAX_FUZZ_EXAMPLES} "
            "(each example is about ten requests to the server)"
        )
    rc_version = config.getoption("rc_version")
    if rc_version is not None:
        try:
            read_version(rc_version)
        except VersionError:
            raise OptionError(f"--rc-version {rc_version!r}: expected {EXPECTED_FORM}") from None
    verify, verify_source = _ca_bundle(config, env, base_url, notes)
    options = Options(
        base_url=base_url,
        request_timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        request_deadline=deadline,
        max_body=DEFAULT_MAX_BODY if max_body is None else max_body,
        rate_limit_wait=DEFAULT_RATE_LIMIT_WAIT if wait is None else wait,
        verify=verify,
        verify_source=verify_source,
        rc_version=rc_version,
        reference_profile=_profile(config),
        reference_operation=_operation(config, embedded=not base_url),
        fuzz_examples=examples,
        fuzz_seed=config.getoption("fuzz_seed"),
        strict_docs=_flag(config, "strict_docs", "rc_strict_docs"),
        require_verified=_flag(config, "require_verified", "rc_require_verified"),
        provision_user=bool(config.getoption("provision_user")),
        seed_import=bool(config.getoption("seed_import")),
        privileged=privileged,
        under=under,
        extra_drift=_extra_drift(config),
    )
    notes += _without_effect(config, options)
    if deadline is not None and deadline < options.request_timeout:
        notes.append(
            f"--rc-request-deadline {deadline:g} is shorter than the request timeout ({options.request_timeout:g} s): "
            f"every request ends after {deadline:g} s"
        )
    # Last, as it may create folders: only once everything else is known to be fine.
    reports = tuple(_report_path(path, notes) for path in config.getoption("compliance_report") or [])
    return replace(options, reports=reports, attest_key=_attest_key(config, reports), notes=tuple(notes))


def _without_effect(config: pytest.Config, options: Options) -> list[str]:
    """Notes on options that another option (or the lack of one) makes meaningless."""
    if not options.base_url:
        if options.privileged or options.under:
            return [
                "the RC_* credential variables are ignored: without --base-url the embedded reference server "
                "serves with its own accounts"
            ]
        return []
    notes = [
        f"{option} is ignored with --base-url: it configures the embedded reference server"
        for option in ("--reference-profile", "--reference-operation")
        if config.getoption(option.lstrip("-").replace("-", "_")) is not None
    ]
    if options.provision_user and options.under:
        notes.append(
            f"--provision-user is ignored: {options.under.source} already name the under-privileged account "
            "(unset them to let the suite create one)"
        )
    return notes


# -- one kind of value each ------------------------------------------------------------------------


def _base_url(config: pytest.Config, env: Mapping[str, str]) -> str | None:
    given = _given_base_url(config, env)
    if given is None:
        return None
    source, raw = given
    if not raw.strip():
        what = "is empty" if not raw else "holds only whitespace"
        raise OptionError(
            f"{source} {what} (an unset variable?): expected {URL_FORM}; "
            "without a base URL at all, the suite tests its embedded reference server"
        )
    value = config.getoption("base_url", default=None) or config.getini("base_url") or raw
    problem = url_problem(value)
    if problem:
        shown = without_userinfo(value)
        raise OptionError(f"{source} {shown!r}: {problem}; expected {URL_FORM}")
    return str(value)


def _given_base_url(config: pytest.Config, env: Mapping[str, str]) -> tuple[str, str] | None:
    """Where the base URL was given and its raw text, in pytest-base-url's order (the command line, then
    PYTEST_BASE_URL, then the ini value); None when nowhere. Raw, because pytest-base-url replaces an empty
    option with the ini value, and an empty value given on purpose must not quietly become another one."""
    _, typed = _as_typed(_arguments(config, env), ("--base-url",))
    if typed is not None:
        return "--base-url", typed
    if "PYTEST_BASE_URL" in env:
        return "PYTEST_BASE_URL", env["PYTEST_BASE_URL"]
    if _ini_given(config, env, "base_url"):
        return "ini base_url", str(config.getini("base_url"))
    option = config.getoption("base_url", default=None)
    return ("--base-url", str(option)) if option else None


def _arguments(config: pytest.Config, env: Mapping[str, str]) -> list[str]:
    """The command line as pytest reads it: the ini value addopts, PYTEST_ADDOPTS, then the arguments typed."""
    try:
        added = shlex.split(env.get("PYTEST_ADDOPTS", ""))
    except ValueError:
        added = []
    return [*config.getini("addopts"), *added, *(str(arg) for arg in config.invocation_params.args)]


def _ini_given(config: pytest.Config, env: Mapping[str, str], name: str) -> bool:
    """Whether the ini value ``name`` is set at all, even to nothing (``getini`` answers "" either way): by
    ``-o name=…`` or in the configuration file."""
    args = _arguments(config, env)
    for index, arg in enumerate(args):
        if arg in ("-o", "--override-ini") and index + 1 < len(args):
            arg = args[index + 1]
        for prefix in ("-o", "--override-ini="):
            arg = arg.removeprefix(prefix)
        if arg.startswith(name + "="):
            return True
    return config.inipath is not None and name in _ini_file_values(config.inipath)


def _ini_file_values(path: Path) -> Mapping[str, Any]:
    """The pytest section of a configuration file, as pytest finds it there (tomllib and configparser read it)."""
    if path.suffix == ".toml":
        import tomllib

        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return {}
        table = data.get("tool", {}).get("pytest", {}) if path.name == "pyproject.toml" else data.get("pytest", {})
        return {**table, **table.get("ini_options", {})}
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return {}
    section = "tool:pytest" if path.name == "setup.cfg" else "pytest"
    return dict(parser[section]) if parser.has_section(section) else {}


def url_problem(url: str) -> str | None:
    """Say what makes ``url`` unusable as the server's root URL, or None when it is fine."""
    if url != url.strip():
        return "the URL starts or ends with whitespace (a space or line break copied along?); remove it"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return _url_error(str(exc))
    if parts.scheme not in ("http", "https"):
        return "not an http or https URL" if parts.scheme else "not a URL (no http:// or https://)"
    if any(character.isspace() for character in url):
        return "the URL contains whitespace (a space inside a URL is written %20)"
    if not parts.hostname:
        return "the URL names no host"
    if port is not None and not 1 <= port <= 65535:
        return f"port {port} is out of range (1-65535)"
    if parts.query or parts.fragment:
        return "the root URL takes no query string or fragment"
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        parse_url(url)
    except LocationParseError:
        return f"the host {parts.hostname!r} is not a valid host name or address"
    return None


def _url_error(message: str) -> str:
    if "IPv6" in message:
        return "an IPv6 address must be enclosed in [ ] (e.g. http://[::1]:3000)"
    if "out of range" in message:
        return "the port is out of range (1-65535)"
    if "Port" in message:
        return "the port is not a number"
    return "not a URL"


def _as_typed(args: list[str], flags: tuple[str, ...]) -> tuple[str, str | None]:
    """The flag (of an option and its aliases) the command line used last, and the text it gave, so that a
    message quotes what the user typed; the first flag and None when it is not on the command line."""
    found: tuple[str, str | None] = (flags[0], None)
    for index, arg in enumerate(args):
        for flag in flags:
            if arg == flag:
                found = (flag, args[index + 1] if index + 1 < len(args) else None)
            elif arg.startswith(flag + "="):
                found = (flag, arg[len(flag) + 1 :])
    return found


def _seconds(
    config: pytest.Config, flags: tuple[str, ...], ini: str | None, *, minimum: float, inclusive: bool
) -> float | None:
    """Read a number of seconds from the option (``flags``: its name and aliases), else its ini value; None when
    neither is set."""
    name = flags[-1].lstrip("-").replace("-", "_")
    value: Any = config.getoption(name)
    source, typed = _as_typed([str(arg) for arg in config.invocation_params.args], flags)
    shown = typed if typed is not None else repr(value)
    if value is None and ini:
        value = config.getini(ini) or None
        source, shown = f"ini {ini}", repr(value)
    if value is None:
        return None
    expected = "a number of seconds " + ("0 or more" if inclusive else "greater than 0")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise OptionError(f"{source} {shown}: expected {expected}") from None
    if not math.isfinite(seconds) or seconds < minimum or (seconds == minimum and not inclusive):
        raise OptionError(f"{source} {shown}: expected {expected}")
    return seconds


def _size(config: pytest.Config, flags: tuple[str, ...], ini: str) -> int | None:
    """Read a number of bytes (``1048576``, ``512KiB``, ``4MiB``) from the option, else its ini value; None when
    neither is set."""
    value: Any = config.getoption(flags[-1].lstrip("-").replace("-", "_"))
    source, typed = _as_typed([str(arg) for arg in config.invocation_params.args], flags)
    shown = typed if typed is not None else repr(value)
    if value is None:
        value = config.getini(ini) or None
        source, shown = f"ini {ini}", repr(value)
    if value is None:
        return None
    match = _SIZE.fullmatch(str(value).strip())
    size = int(match["number"]) * _UNITS[(match["unit"] or "").lower()] if match else None
    if size is None or not MIN_BODY <= size <= MAX_BODY:
        raise OptionError(f"{source} {shown}: expected {SIZE_FORM}")
    return size


def _flag(config: pytest.Config, name: str, ini: str) -> bool:
    if config.getoption(name):
        return True
    try:
        return bool(config.getini(ini))
    except (TypeError, ValueError, pytest.UsageError):  # pytest wraps the ValueError in a UsageError
        raise OptionError(f"ini {ini}: expected true or false (or yes/no, on/off, 1/0)") from None


def _ca_bundle(
    config: pytest.Config, env: Mapping[str, str], base_url: str | None, notes: list[str]
) -> tuple[bool | str, str]:
    option, ini = config.getoption("ca_bundle"), config.getini("rc_ca_bundle") or None
    try:
        verify, source = resolve_ca_bundle(option, env, ini)
    except CABundleError as exc:
        raise OptionError(str(exc)) from None
    own = option is not None or env.get("RC_CA_BUNDLE") or ini
    if own and (base_url is None or not base_url.lower().startswith("https:")):
        notes.append(f"{source} is ignored: the target is not an https URL")
    return verify, source


def _extra_drift(config: pytest.Config) -> tuple[str, ...]:
    """The --extra-drift files (or ini rc_extra_drift), read and checked now so that a bad one is one line."""
    paths = tuple(config.getoption("extra_drift") or [str(p) for p in config.getini("rc_extra_drift")])
    if not paths:
        return paths
    from rocketchat_contract.contract.catalogue import ContractDataError, judging

    try:
        judging(paths)
    except ContractDataError as exc:
        raise OptionError(str(exc)) from None
    return paths


def _profile(config: pytest.Config) -> str | None:
    value = config.getoption("reference_profile")
    source = "--reference-profile"
    if value is None:
        value, source = config.getini("rc_reference_profile") or None, "ini rc_reference_profile"
    if value is None:
        return None
    from rocketchat_contract.reference import PROFILES

    if value not in PROFILES:
        raise OptionError(f"{source} {value!r}: unknown profile; expected one of {', '.join(PROFILES)}")
    return str(value)


def _operation(config: pytest.Config, embedded: bool) -> Any:
    spec = config.getoption("reference_operation")
    if spec is None and not embedded:
        return None
    from rocketchat_contract.reference import Operation

    if spec is None:
        return Operation.parse(DEFAULT_OPERATION)
    if spec.strip() == "none":
        return None
    try:
        operation = Operation.parse(spec)
    except ValueError:
        raise OptionError(f"--reference-operation {spec!r}: expected {OPERATION_FORM}") from None
    if operation.completed > operation.total:
        raise OptionError(
            f"--reference-operation {spec!r}: {operation.completed} done is more than the total of "
            f"{operation.total}, which no server reports; expected DONE <= TOTAL"
        )
    return operation


def _attest_key(config: pytest.Config, reports: tuple[Path, ...]) -> Path | None:
    """The --attest-key file, once it holds an Ed25519 private key and a JSON report will be written to sign."""
    value = config.getoption("attest_key")
    if value is None:
        return None
    from rocketchat_contract.reports.attestation import AttestationError, attestation_path, load_private_key

    path = Path(value)
    try:
        load_private_key(path)
    except AttestationError as exc:
        raise OptionError(f"--attest-key {exc}") from None
    signed = [report for report in reports if report.suffix.lower() == ".json"]
    if not signed:
        raise OptionError(
            f"--attest-key {value}: signs the JSON compliance report, and none is asked for; "
            "add --compliance-report PATH.json"
        )
    for report in signed:
        out = attestation_path(report)
        if out.exists() and not os.access(out, os.W_OK):
            raise OptionError(f"--attest-key {value}: {out} exists and is not writable")
    return path


def _report_path(text: str, notes: list[str]) -> Path:
    try:
        path, note = check_report_path(text, "--compliance-report")
    except ReportWriteError as exc:
        raise OptionError(str(exc)) from None
    if note:
        notes.append(note)
    return path
