"""Rocket.Chat version strings, release eras, and which ProgressStep set a version sends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import Version

from rocketchat_contract.contract.data import contracts_dir, load_yaml


class VersionError(ValueError):
    """A version string that is not X.Y or X.Y.Z (with an optional pre-release or build suffix)."""


EXPECTED_FORM = "X.Y or X.Y.Z, optionally with a suffix such as -rc.1, -develop or +build"

_PARTS = r"(?:[.-][0-9A-Za-z]+)*"
_VERSION = re.compile(
    r"^v?(?P<release>\d{1,4}\.\d{1,4}(?:\.\d{1,4})?)"
    rf"(?:-(?P<pre>[0-9A-Za-z]+{_PARTS})|(?P<tag>[A-Za-z][0-9A-Za-z]*{_PARTS}))?"
    rf"(?:\+(?P<build>[0-9A-Za-z]+{_PARTS}))?$"
)
"""X.Y[.Z], then ``-rc.3``/``-develop`` or a bare tag (``rc1``), then ``+build``; pieces as semver allows."""


_PRE = re.compile(r"^(?P<kind>alpha|a|beta|b|rc|c)(?:[.-]?(?P<number>\d+))?$", re.IGNORECASE)
_PEP440_PRE = {"alpha": "a", "a": "a", "beta": "b", "b": "b", "rc": "rc", "c": "rc"}


class ServerVersion(Version):
    """A release or pre-release ordered as Rocket.Chat orders it, and shown as the server wrote it.

    Rocket.Chat compares versions with semver (``shouldBreakInVersion`` is ``semver.gte``), so a
    pre-release comes before its release: ``9.0.0-rc.3 < 9.0.0``. The comparison is PEP 440's with
    the pre-release mapped onto it (``rc.3`` -> ``rc3``, ``beta.1`` -> ``b1``, anything else such as
    ``develop`` -> ``.dev0``); ``str()`` keeps the semver form.
    """

    def __init__(self, release: Version, pre: str | None = None, shown: str | None = None) -> None:
        match = _PRE.match(pre) if pre else None
        if pre is None:
            pep440 = ""
        elif match:
            pep440 = f"{_PEP440_PRE[match['kind'].lower()]}{match['number'] or 0}"
        else:
            pep440 = ".dev0"
        super().__init__(f"{release}{pep440}")
        self._shown = shown or (f"{release}-{pre}" if pre else str(release))

    def __str__(self) -> str:
        return self._shown


@dataclass(frozen=True)
class ReadVersion:
    """A version string as a server or the user gave it, and the release it belongs to."""

    text: str
    release: Version
    suffix: str | None
    """The pre-release or build part (``rc.3``, ``develop``, ``abc``), None for a plain release."""
    version: ServerVersion
    """Where the server sits among releases: a pre-release before its release, a build as its release."""

    @property
    def note(self) -> str | None:
        """Say how a suffixed version is placed; None for a plain release."""
        if self.suffix is None:
            return None
        if self.version.is_prerelease:
            return (
                f"{self.text!r} is a pre-release or build of Rocket.Chat {self.release}, so it is placed just "
                f"before {self.release}: Rocket.Chat turns a release's breaking changes on with semver.gte, "
                "which a pre-release of that release does not pass"
            )
        return (
            f"{self.text!r} is a pre-release or build of Rocket.Chat {self.release}, so it is placed as {self.release}"
        )


def read_version(text: str) -> ReadVersion:
    """Read a version the way Rocket.Chat servers report it (``8.8``, ``6.13.1``, ``8.9.0-develop``,
    ``9.1.0-rc.3``, ``7.10.0+abc``); a suffixed version belongs to its release X.Y.Z."""
    cleaned = text.strip()
    match = _VERSION.match(cleaned)
    if match is None:
        raise VersionError(f"{text!r} is not a Rocket.Chat version (expected {EXPECTED_FORM})")
    pre = match["pre"] or match["tag"]
    suffix = "+".join(part for part in (pre, match["build"]) if part) or None
    release = Version(match["release"])
    shown = cleaned.removeprefix("v").split("+", 1)[0]
    return ReadVersion(cleaned, release, suffix, ServerVersion(release, pre, shown))


def parse_version(text: str) -> Version:
    """Parse a Rocket.Chat version into the comparable release it belongs to (suffixes dropped)."""
    return read_version(text).release


def server_version(text: str) -> ServerVersion:
    """Parse a Rocket.Chat version keeping its pre-release part, ordered as Rocket.Chat orders it."""
    return read_version(text).version


def specifier(text: str) -> SpecifierSet:
    try:
        return SpecifierSet(text)
    except InvalidSpecifier as exc:
        raise ValueError(f"{text!r} is not a version range") from exc


@lru_cache(maxsize=4096)
def covers(spec: str, version: Version) -> bool:
    """Whether the range holds ``version``, a pre-release included, with semver's order at ``<``.

    PEP 440 keeps ``9.0.0rc3`` out of ``<9.0.0``; semver, which Rocket.Chat uses, puts it there.
    """
    return all(_holds(part, version) for part in specifier(spec))


def _holds(part: Specifier, version: Version) -> bool:
    bound = Version(part.version) if part.operator == "<" else None
    if bound is not None and version.is_prerelease and not bound.is_prerelease:
        return version < bound
    return part.contains(version, prereleases=True)


@dataclass(frozen=True)
class Era:
    id: str
    versions: str
    summary: str
    uncertain: str | None = None


@dataclass(frozen=True)
class Placement:
    """Where a server version sits: its era, and the version it is judged as."""

    reported: Version
    judged_as: Version
    era: Era
    note: str | None

    @property
    def endpoint_expected(self) -> bool:
        return self.judged_as >= Version("3.0.0")


class Eras:
    """The release eras and step sets of ``contracts/eras.yaml``."""

    def __init__(self, data: dict[str, object]) -> None:
        self.newest_known = server_version(str(data["newest_known"]))
        self.eras = [Era(**entry) for entry in data["eras"]]  # type: ignore[attr-defined]
        self.step_sets: list[dict[str, str]] = list(data["step_sets"])  # type: ignore[call-overload]

    def newer_than_known(self, version: Version) -> bool:
        """Whether ``version`` is past the newest known release: past its X.Y line (a later patch release is
        known), or, when the newest known is a pre-release, past that pre-release (its final is not known)."""
        if self.newest_known.is_prerelease:
            return version > self.newest_known
        return version > Version(f"{self.newest_known.major}.{self.newest_known.minor}.999")

    def place(self, version: Version) -> Placement:
        judged, note = version, None
        if self.newer_than_known(version):
            judged = self.newest_known
            note = (
                f"Rocket.Chat {version} is newer than the newest known release ({self.newest_known}); "
                f"it is judged as {self.newest_known}, so any change it brings shows up as a violation, and each "
                "one says so. After review, `rocketchat-contract propose-drift REPORT.json` drafts drift entries "
                "for them from the JSON compliance report."
            )
        era = next(e for e in self.eras if covers(e.versions, judged))
        return Placement(reported=version, judged_as=judged, era=era, note=note)

    def step_set(self, version: Version) -> str:
        for entry in self.step_sets:
            if covers(entry["versions"], version):
                return entry["set"]
        raise LookupError(f"no ProgressStep set covers {version}")


@cache
def eras() -> Eras:
    return Eras(load_yaml(contracts_dir() / "eras.yaml"))


def place_server(reported: str, override: str | None = None) -> tuple[Placement, list[str]]:
    """Place a server by the version ``GET /api/info`` reported, or by ``--rc-version``; return the notes.

    Raises VersionError with a one-line message naming the string and ``--rc-version`` when the version
    the server reported cannot be read and no override was given.
    """
    notes = []
    if override:
        version = read_version(override)
        notes.append(f"version {override} from --rc-version (the server reports {reported})")
    else:
        try:
            version = read_version(reported)
        except VersionError:
            raise VersionError(
                f"GET /api/info reported the version {reported!r}, which is not a Rocket.Chat version "
                f"({EXPECTED_FORM}); pass --rc-version X.Y[.Z] to say which release the server runs"
            ) from None
    if version.note:
        notes.append(version.note)
    placement = eras().place(version.version)
    if placement.note:
        notes.append(placement.note)
    return placement, notes
