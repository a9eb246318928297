"""The README and docs/: every relative link leads somewhere, and every option a quoted command uses exists."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
COMMANDS = {
    ("pytest",): [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
    ("rocketchat-contract",): [sys.executable, "-m", "rocketchat_contract.commands.main"],
    ("python", "-m", "rocketchat_contract.reference"): [sys.executable, "-m", "rocketchat_contract.reference"],
}


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {_slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def test_the_readme_is_a_guide_of_at_most_about_200_lines() -> None:
    assert len((REPO / "README.md").read_text(encoding="utf-8").splitlines()) <= 200


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_relative_link_leads_to_a_file_and_heading(document: Path) -> None:
    broken = []
    for target in LINK.findall(FENCE.sub("", document.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (document.parent / path).resolve() if path else document
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(f"{target}: no such heading")
    assert not broken, f"{document.name}: {broken}"


def _commands(document: Path) -> list[list[str]]:
    """The commands of a document's ``sh`` blocks, continuation lines joined, comments and variables left out."""
    found = []
    for language, block in FENCE.findall(document.read_text(encoding="utf-8")):
        if language != "sh":
            continue
        for line in block.replace("\\\n", " ").splitlines():
            try:
                words = shlex.split(line, comments=True)
            except ValueError:
                continue
            words = [word for word in words if word not in ("&",)]
            if any(tuple(words[: len(prefix)]) == prefix for prefix in COMMANDS):
                found.append(words)
    return found


@cache
def _help(*prefix: str) -> str:
    command = COMMANDS[prefix[:3] if prefix[0] == "python" else prefix[:1]]
    sub = list(prefix[1:2]) if prefix[0] == "rocketchat-contract" else []
    result = subprocess.run([*command, *sub, "--help"], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_option_of_a_quoted_command_is_in_its_help(document: Path) -> None:
    unknown = []
    for words in _commands(document):
        key = tuple(words[:3]) if words[0] == "python" else tuple(words[:2]) if words[0] != "pytest" else ("pytest",)
        text = _help(*key)
        for word in words:
            option = word.split("=", 1)[0]
            if option.startswith("--") and not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text):
                unknown.append(f"{' '.join(words[:2])}: {option}")
    assert not unknown, f"{document.name}: {unknown}"


def test_the_commands_are_found() -> None:
    """The check above reads the documents' commands at all: the README's own first ones are among them."""
    words = [" ".join(command[:2]) for command in _commands(REPO / "README.md")]
    assert "pytest selftests" in words and "pytest --base-url" in words
