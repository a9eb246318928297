"""Every option, ini value and environment variable of the plugin, checked before the run sends anything.

``validate`` turns them into the run's ``Settings`` and the plugin's own choices (``Options``), or raises
``pytest.UsageError`` with one line that names the option (or ini value, or variable) and the form it accepts
(pytest then exits with status 4). pytest reads the values: each option through its form as it parses the
command line (values.py), each ini value with its declared type (flags.py); what is left here is where a value came
from and what depends on more than one of them. Combinations where an option has no effect are not errors; they
come back as notes for the run to print.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from rocketchat_contract.client.credentials import CredentialError, from_environment
from rocketchat_contract.client.fuzz.config import Fuzz
from rocketchat_contract.client.redact import without_userinfo
from rocketchat_contract.client.tls import CABundleError, resolve_ca_bundle
from rocketchat_contract.plugin.flags import BY_NAME, DEFAULT_OPERATION, INI
from rocketchat_contract.plugin.values import NO_OPERATION, Invalid
from rocketchat_contract.reports.render import ReportWriteError, check_report_path
from rocketchat_contract.run.settings import Settings

URL_FORM = "http(s)://host[:port][/path], the server's root URL"
_INI_OF = {ini.flag: ini for ini in INI}


class OptionError(ValueError):
    """One option with a value the suite cannot use; the message is one line."""


@dataclass(frozen=True)
class Options:
    """The plugin's settings, each checked and typed: the run's, and what the plugin does around the run."""

    run: Settings
    """What the run is given. Its ``base_url`` is empty for the embedded reference server, whose URL and accounts
    are known once it has started (session.py fills them in)."""
    reference_profile: str | None = None
    reference_operation: Any = None
    """The embedded server's operation (a ``reference.Operation``), None for a fresh server."""
    reports: tuple[Path, ...] = ()
    attest_key: Path | None = None
    """The Ed25519 private key (--attest-key) the JSON reports are signed with; read and checked, never kept."""
    strict_docs: bool = False
    require_verified: bool = False
    notes: tuple[str, ...] = ()
    """Options that a combination makes meaningless, folders created for reports."""

    @property
    def base_url(self) -> str | None:
        """The server the run tests (--base-url, PYTEST_BASE_URL, ini base_url); None: the embedded one."""
        return self.run.base_url or None

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
    given = {
        "privileged": from_environment("privileged", env),
        "under": from_environment("under-privileged", env),
        "timeout": _value(config, "--rc-request-timeout"),
        "deadline": _value(config, "--rc-request-deadline"),
        "max_body": _value(config, "--rc-max-body"),
        "rate_limit_wait": _value(config, "--rc-rate-limit-wait"),
        "rc_version": _value(config, "--rc-version"),
    }
    fuzz = {"examples": _value(config, "--fuzz-examples"), "seed": _value(config, "--fuzz-seed")}
    verify, verify_source = _ca_bundle(config, env, base_url, notes)
    run = Settings(
        base_url=base_url or "",
        verify=verify,
        verify_source=verify_source,
        provision_user=bool(config.getoption("provision_user")),
        seed_import=bool(config.getoption("seed_import")),
        fuzz=Fuzz(**_set(fuzz)),
        extra_drift=_extra_drift(config),
        **_set(given),  # what nobody gave keeps the run's default
    )
    options = Options(
        run=run,
        reference_profile=_value(config, "--reference-profile"),
        reference_operation=_operation(_value(config, "--reference-operation"), embedded=not base_url),
        strict_docs=_switch(config, "--strict-docs"),
        require_verified=_switch(config, "--require-verified"),
    )
    notes += _without_effect(config, options)
    if run.deadline is not None and run.deadline < run.timeout:
        notes.append(
            f"--rc-request-deadline {run.deadline:g} is shorter than the request timeout ({run.timeout:g} s): "
            f"every request ends after {run.deadline:g} s"
        )
    # Last, as it may create folders: only once everything else is known to be fine.
    reports = tuple(_report_path(path, notes) for path in config.getoption("compliance_report") or [])
    return replace(options, reports=reports, attest_key=_attest_key(config, reports), notes=tuple(notes))


def _set(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _without_effect(config: pytest.Config, options: Options) -> list[str]:
    """Notes on options that another option (or the lack of one) makes meaningless."""
    run = options.run
    if not options.base_url:
        if run.privileged or run.under:
            return [
                "the RC_* credential variables are ignored: without --base-url the embedded reference server "
                "serves with its own accounts"
            ]
        return []
    notes = [
        f"{option} is ignored with --base-url: it configures the embedded reference server"
        for option in ("--reference-profile", "--reference-operation")
        if config.getoption(BY_NAME[option].dest) is not None
    ]
    if run.provision_user and run.under:
        notes.append(
            f"--provision-user is ignored: {run.under.source} already name the under-privileged account "
            "(unset them to let the suite create one)"
        )
    return notes


# -- where a value came from -----------------------------------------------------------------------


def _value(config: pytest.Config, name: str) -> Any:
    """The option's value as pytest read it through its form, else its ini value read by the same form; None when
    neither is given (an empty ini value counts as not given)."""
    flag = BY_NAME[name]
    value = config.getoption(flag.dest)
    if isinstance(value, Invalid):
        raise OptionError(value.message)
    ini = _INI_OF.get(name)
    if value not in (None, []) or ini is None:
        return value
    raw = config.getini(ini.name)
    if raw in (None, "", []):
        return None
    if flag.form is None:
        return raw
    try:
        return flag.form.read(raw)
    except ValueError as exc:
        raise OptionError(f"ini {ini.name} {raw!r}: {exc}") from None


def _switch(config: pytest.Config, name: str) -> bool:
    """A switch, on by its option or its ini value (true/false, yes/no, on/off, 1/0 in an ini file)."""
    if config.getoption(BY_NAME[name].dest):
        return True
    ini = _INI_OF[name].name
    try:
        return bool(config.getini(ini))
    except pytest.UsageError:  # pytest's own message names the file, not what the value may be
        raise OptionError(f"ini {ini}: expected true or false (or yes/no, on/off, 1/0)") from None


def _base_url(config: pytest.Config, env: Mapping[str, str]) -> str | None:
    given = _given_base_url(config, env)
    if given is None:
        return None
    source, value = given
    if not value.strip():
        what = "is empty" if not value else "holds only whitespace"
        raise OptionError(
            f"{source} {what} (an unset variable?): expected {URL_FORM}; "
            "without a base URL at all, the suite tests its embedded reference server"
        )
    problem = url_problem(value)
    if problem:
        shown = without_userinfo(value)
        raise OptionError(f"{source} {shown!r}: {problem}; expected {URL_FORM}")
    return value


def _given_base_url(config: pytest.Config, env: Mapping[str, str]) -> tuple[str, str] | None:
    """Where the base URL was given and its text, in pytest-base-url's order (the command line, then
    PYTEST_BASE_URL, then the ini value); None when nowhere.

    The option as pytest parsed it (``known_args_namespace``), as pytest-base-url's configuration then replaces an
    empty option with the ini value, and an empty value given on purpose must not quietly become another one.
    pytest-base-url's option defaults to PYTEST_BASE_URL, so a value equal to that variable is named as it."""
    typed = getattr(config.known_args_namespace, "base_url", None)
    if typed is not None:
        return ("PYTEST_BASE_URL" if env.get("PYTEST_BASE_URL") == typed else "--base-url"), str(typed)
    try:
        ini = config.getini("base_url")
    except ValueError:  # pytest-base-url disabled (-p no:base_url): no ini value of that name
        return None
    if ini or _set_to_nothing(config, "base_url"):
        return "ini base_url", str(ini)
    option = config.getoption("base_url", default=None)
    return ("--base-url", str(option)) if option else None


def _set_to_nothing(config: pytest.Config, name: str) -> bool:
    """Whether the ini value ``name``, which ``getini`` answers "" for, is set to nothing rather than not set: by
    ``-o name=`` (pytest's parsed overrides, addopts and PYTEST_ADDOPTS included), or in the configuration file.

    pytest has no public way to tell the two apart for a value registered with the default "" by another plugin
    (pytest-base-url's ``base_url``), so for this one key the file pytest chose (``config.inipath``) is read again."""
    if any(override.partition("=")[0] == name for override in config.option.override_ini or ()):
        return True
    path = config.inipath
    if path is None:
        return False
    if path.suffix == ".toml":
        import tomllib

        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return False
        table = data.get("tool", {}).get("pytest", {}) if path.name == "pyproject.toml" else data.get("pytest", {})
        return name in table or name in table.get("ini_options", {})
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return False
    return parser.has_option("tool:pytest" if path.name == "setup.cfg" else "pytest", name)


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


# -- values that depend on more than their own text -------------------------------------------------------------


def _ca_bundle(
    config: pytest.Config, env: Mapping[str, str], base_url: str | None, notes: list[str]
) -> tuple[bool | str, str]:
    option = config.getoption(BY_NAME["--rc-ca-bundle"].dest)
    ini = config.getini(_INI_OF["--rc-ca-bundle"].name) or None
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
    paths = tuple(str(path) for path in _value(config, "--extra-drift") or ())
    if not paths:
        return paths
    from rocketchat_contract.contract.catalogue import ContractDataError, judging

    try:
        judging(paths)
    except ContractDataError as exc:
        raise OptionError(str(exc)) from None
    return paths


def _operation(spec: str | None, embedded: bool) -> Any:
    """The embedded server's operation: the default one, none, or the one --reference-operation names."""
    if spec is None and not embedded:
        return None
    from rocketchat_contract.reference import Operation

    if spec is None:
        return Operation.parse(DEFAULT_OPERATION)
    return None if spec == NO_OPERATION else Operation.parse(spec)


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
