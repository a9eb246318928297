"""How one target is run: the pytest command a user would type, and the environment its credentials come from."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rocketchat_contract.client.credentials import ROLES
from rocketchat_contract.client.redact import MASK, userinfo_secrets, without_userinfo
from rocketchat_contract.contract.data import suite_dir
from rocketchat_contract.fleet.fleetfile import TargetSpec

SUITE_VARIABLES: tuple[str, ...] = tuple(name for names in ROLES.values() for name in names)
"""The credential variables the suite reads (RC_ADMIN_USER_ID, …), each taken from the target's source."""
SECRET_VARIABLES = frozenset(name for name in SUITE_VARIABLES if name.endswith(("_TOKEN", "_PASSWORD")))
STEERING_VARIABLES = ("PYTEST_BASE_URL", "RC_CA_BUNDLE")
"""Variables of the fleet's own environment that would steer every child the same way; never inherited."""
_PAIRS = tuple(pair for names in ROLES.values() for pair in ((names[0], names[1]), (names[2], names[3])))


def source_variable(spec: TargetSpec, suite_variable: str) -> str | None:
    """The variable of the fleet's environment a suite variable of this target is read from (None: not read)."""
    if suite_variable in spec.env:
        return spec.env[suite_variable]
    if spec.prefix is None:
        return None
    return spec.prefix + suite_variable.removeprefix("RC_")


def _named(spec: TargetSpec, suite_variable: str) -> str:
    """How a message names a source: a value under ``env:`` is never shown (it may be a pasted secret)."""
    if suite_variable in spec.env:
        return f"the variable env.{suite_variable} names"
    return source_variable(spec, suite_variable) or f"env names no variable for {suite_variable}"


class CredentialSourceError(ValueError):
    """Half a credential pair in a target's variables; the target cannot be tested."""


@dataclass(frozen=True)
class Launch:
    """What starting a target's run needs: argv, environment, and the secrets its outputs must not show."""

    argv: list[str]
    env: dict[str, str]
    secrets: frozenset[str]
    variables: tuple[str, ...]
    """The names of the source variables that were set (shown in reports; never their values)."""

    @property
    def pytest_args(self) -> list[str]:
        """The arguments after ``python -m pytest``: what a worker hands ``pytest.main``."""
        return self.argv[3:]


def credentials(spec: TargetSpec, environ: Mapping[str, str]) -> dict[str, str]:
    """The suite variables for this target, read from its source; raise CredentialSourceError for half a pair."""
    sources = {name: source_variable(spec, name) for name in SUITE_VARIABLES}
    values = {name: (environ.get(source) or "") if source else "" for name, source in sources.items()}
    for first, second in _PAIRS:
        if bool(values[first]) != bool(values[second]):
            missing, given = (first, second) if not values[first] else (second, first)
            absent = _named(spec, missing) + ("" if sources[missing] is None else " is not set")
            raise CredentialSourceError(f"{absent} but {_named(spec, given)} is: they go together")
    return {name: value for name, value in values.items() if value}


def shared_by_default(specs: list[TargetSpec], environ: Mapping[str, str]) -> str | None:
    """One line when a target that names no credential source would read, through the default prefix RC_,
    variables another target reads too: one environment's credentials would reach two servers."""
    set_by_caller = [name for name in SUITE_VARIABLES if environ.get(name)]
    if not set_by_caller:
        return None
    reads = [(spec, {source_variable(spec, name) for name in SUITE_VARIABLES}) for spec in specs]
    for spec in specs:
        if spec.env_prefix is not None or spec.env:
            continue
        for other, theirs in reads:  # each target's sources once: a fleet of 10,000 is not 10^8 look-ups
            shared = [name for name in set_by_caller if name in theirs]
            if other is not spec and shared:
                return (
                    f"targets {spec.name} and {other.name} would both get {', '.join(shared)}: {spec.name} names "
                    "no env_prefix and no env, so it reads the default RC_ variables; give each target its own "
                    "env_prefix or env"
                )
    return None


def redacted_url(url: str) -> str:
    """The URL without its userinfo, as every output shows it."""
    return without_userinfo(url, f"{MASK}@")


def source_variables(specs: list[TargetSpec]) -> frozenset[str]:
    """Every variable any target's credentials are read from: no run gets another target's."""
    sources = (source_variable(spec, name) for spec in specs for name in SUITE_VARIABLES)
    return frozenset(source for source in sources if source)


def shared_environment(environ: Mapping[str, str], withheld: frozenset[str] = frozenset()) -> dict[str, str]:
    """The fleet's environment without the suite's credential variables, the ``withheld`` ones (every target's
    sources) and the variables that would steer every run alike: what every run starts from."""
    dropped = {*SUITE_VARIABLES, *STEERING_VARIABLES, *withheld}
    return {k: v for k, v in environ.items() if k not in dropped}


def launch(
    spec: TargetSpec,
    report: Path,
    environ: Mapping[str, str],
    suite: Path | None = None,
    withheld: frozenset[str] = frozenset(),
) -> Launch:
    """Build the run of one target: ``python -m pytest SUITE --base-url URL --compliance-report REPORT …``.

    Its environment is the fleet's, without the suite's credential variables, the ``withheld`` ones (other
    targets' sources) and the variables that would steer every run alike; then its own credentials.
    """
    found = credentials(spec, environ)
    env = shared_environment(environ, withheld)
    env.update(found)
    argv = [sys.executable, "-m", "pytest", str(suite or suite_dir()), "-p", "no:cacheprovider"]
    if userinfo_secrets(spec.base_url):
        env["PYTEST_BASE_URL"] = spec.base_url  # userinfo stays off the command line, where ps shows it
    else:
        argv += ["--base-url", spec.base_url]
    # Path values in the --option=value form: written with a space, pytest.main would take them for test paths.
    argv += [f"--compliance-report={report}"]
    argv += [f"--{flag.replace('_', '-')}" for flag in sorted(spec.flags)]
    if spec.rc_version:
        argv += ["--rc-version", spec.rc_version]
    if spec.ca_bundle:
        argv += [f"--ca-bundle={spec.ca_bundle}"]
    if spec.request_timeout is not None:
        argv += ["--request-timeout", str(spec.request_timeout)]
    secrets = {found[name] for name in SECRET_VARIABLES if name in found} | userinfo_secrets(spec.base_url)
    variables = tuple(str(source_variable(spec, name)) for name in SUITE_VARIABLES if name in found)
    return Launch(argv, env, frozenset(secrets), variables)
