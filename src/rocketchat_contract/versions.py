"""Rocket.Chat version strings, release eras, and which ProgressStep set a version sends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from .data import contracts_dir, load_yaml


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


@dataclass(frozen=True)
class ReadVersion:
    """A version string as a server or the user gave it, and the release it belongs to."""

    text: str
    release: Version
    suffix: str | None
    """The pre-release or build part (``rc.3``, ``develop``, ``abc``), None for a plain release."""

    @property
    def note(self) -> str | None:
        """Say how a suffixed version is placed; None for a plain release."""
        if self.suffix is None:
            return None
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
    suffix = "+".join(part for part in (match["pre"] or match["tag"], match["build"]) if part) or None
    return ReadVersion(cleaned, Version(match["release"]), suffix)


def parse_version(text: str) -> Version:
    """Parse a Rocket.Chat version into the comparable release it belongs to (suffixes dropped)."""
    return read_version(text).release


def specifier(text: str) -> SpecifierSet:
    try:
        return SpecifierSet(text)
    except InvalidSpecifier as exc:
        raise ValueError(f"{text!r} is not a version range") from exc


def covers(spec: str, version: Version) -> bool:
    return specifier(spec).contains(version, prereleases=True)


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
        self.newest_known = parse_version(str(data["newest_known"]))
        self.eras = [Era(**entry) for entry in data["eras"]]  # type: ignore[attr-defined]
        self.step_sets: list[dict[str, str]] = list(data["step_sets"])  # type: ignore[call-overload]

    def newer_than_known(self, version: Version) -> bool:
        """Whether ``version`` is past the newest known release's X.Y line (a later patch release is known)."""
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
    placement = eras().place(version.release)
    if placement.note:
        notes.append(placement.note)
    return placement, notes
