"""Version strings the way servers and users write them: placed by their release, or refused in one line."""

from __future__ import annotations

import pytest
from packaging.version import Version

from rocketchat_contract.contract.versions import VersionError, place_server, read_version


@pytest.mark.parametrize(
    ("text", "release", "suffix"),
    [
        ("8.8", "8.8", None),
        ("6.13.1", "6.13.1", None),
        ("v8.8.1", "8.8.1", None),
        ("8.9.0-develop", "8.9.0", "develop"),
        ("9.1.0-rc.3", "9.1.0", "rc.3"),
        ("7.10.0+abc", "7.10.0", "abc"),
        ("7.0.0rc1", "7.0.0", "rc1"),
        ("8.9.0-develop+build.5", "8.9.0", "develop+build.5"),
    ],
)
def test_versions_are_read_as_their_release(text: str, release: str, suffix: str | None) -> None:
    read = read_version(text)
    assert (read.release, read.suffix) == (Version(release), suffix)
    assert (read.note is None) is (suffix is None)


@pytest.mark.parametrize("text", ["7", "", "banana", "8.8.8.8", "8.8.", "8..8", "8.8.1-", "8.8.1+", "-1.2", "8.8 rc"])
def test_unreadable_versions_are_refused(text: str) -> None:
    with pytest.raises(VersionError, match=r"expected X\.Y or X\.Y\.Z"):
        read_version(text)


def test_a_build_is_placed_as_its_release_and_noted() -> None:
    placement, notes = place_server("7.3.0+abc")
    assert placement.judged_as == Version("7.3.0") and placement.era.id == "E2"
    assert notes == ["'7.3.0+abc' is a pre-release or build of Rocket.Chat 7.3.0, so it is placed as 7.3.0"]


@pytest.mark.parametrize(
    ("text", "era", "before"),
    [
        ("9.0.0-rc.1", "E3", "9.0.0"),
        ("9.0.0-rc.8", "E3", "9.0.0"),
        ("7.4.0-rc.2", "E2", "7.4.0"),
        ("9.1.0-rc.0", "E4", "9.1.0"),
        ("9.1.0-develop", "E4", "9.1.0"),
    ],
)
def test_a_pre_release_is_placed_just_before_its_release(text: str, era: str, before: str) -> None:
    """Rocket.Chat's breaking-change switch is semver.gte(version, '9.0.0'): a 9.0.0 release candidate fails it."""
    placement, notes = place_server(text)
    assert placement.era.id == era
    assert placement.judged_as < Version(before) and str(placement.judged_as) == text
    assert notes[0].startswith(
        f"'{text}' is a pre-release or build of Rocket.Chat {before}, so it is placed just before"
    )


@pytest.mark.parametrize(
    ("text", "newer"),
    [
        ("9.1.0-rc.5", False),
        ("9.1.0-rc.2", False),
        ("9.0.4", False),
        ("9.1.0-rc.6", True),
        ("9.1.0", True),
        ("9.2", True),
    ],
)
def test_only_releases_past_the_newest_pre_release_are_newer_than_known(text: str, newer: bool) -> None:
    placement, _ = place_server(text)
    assert (placement.note is not None) is newer
    assert str(placement.judged_as) == ("9.1.0-rc.5" if newer else text)


def test_an_unreadable_server_version_names_the_remedy() -> None:
    with pytest.raises(VersionError) as caught:
        place_server("banana")
    message = str(caught.value)
    assert "'banana'" in message and "--rc-version" in message and "\n" not in message
    placement, notes = place_server("banana", "6.13")
    assert placement.judged_as == Version("6.13") and "from --rc-version" in notes[0]
