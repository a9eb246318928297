"""Rocket.Chat version strings, release eras, and which ProgressStep set a version sends."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .data import contracts_dir, load_yaml


class VersionError(ValueError):
    """A version string that is not X.Y or X.Y.Z."""


def parse_version(text: str) -> Version:
    """Parse a Rocket.Chat version (``8.8``, ``6.13.1``, ``7.0.0-rc.1``) into a comparable Version."""
    cleaned = text.strip().lstrip("v")
    try:
        version = Version(cleaned)
    except InvalidVersion as exc:
        raise VersionError(f"{text!r} is not a Rocket.Chat version (expected X.Y or X.Y.Z)") from exc
    if len(version.release) < 2:
        raise VersionError(f"{text!r} is not a Rocket.Chat version (expected X.Y or X.Y.Z)")
    return version


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
