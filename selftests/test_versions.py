"""Version strings the way servers and users write them: placed by their release, or refused in one line."""

from __future__ import annotations

import pytest
from packaging.version import Version

from rocketchat_contract.versions import VersionError, place_server, read_version


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


def test_a_pre_release_is_placed_by_its_release_and_noted() -> None:
    placement, notes = place_server("7.3.0-rc.2")
    assert placement.judged_as == Version("7.3.0") and placement.era.id == "E2"
    assert notes == ["'7.3.0-rc.2' is a pre-release or build of Rocket.Chat 7.3.0, so it is placed as 7.3.0"]


def test_an_unreadable_server_version_names_the_remedy() -> None:
    with pytest.raises(VersionError) as caught:
        place_server("banana")
    message = str(caught.value)
    assert "'banana'" in message and "--rc-version" in message and "\n" not in message
    placement, notes = place_server("banana", "6.13")
    assert placement.judged_as == Version("6.13") and "from --rc-version" in notes[0]
