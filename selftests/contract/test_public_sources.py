"""Every source a user sees is one they can open: a Rocket.Chat PR or issue, a commit, a file at a commit, a
release note. Never the project's private study (shared/reference/, "behaviour §N") or a stored-file id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rocketchat_contract.contract.catalogue import contract
from rocketchat_contract.contract.data import contracts_dir

ROOT = Path(__file__).resolve().parents[2]
PRIVATE = re.compile(
    r"shared/|rocketchat-behaviour|behaviour\s+(?:doc|document|study)\b|§|\bbehaviour\s+\d|\bids?\s+\d{6,}",
    re.IGNORECASE,
)
"""A path into the private study, a section of it, or the id of a stored file version (no public address)."""
PUBLIC = re.compile(r"#\d+|\b[0-9a-f]{7,40}\b|\brelease (?:note|page)s?\b|\b\d+\.\d+\.\d+(?:-rc\.\d+)? release\b")
"""A PR or issue number, a commit, or a release note/page."""
USER_VISIBLE = sorted(
    [
        *contracts_dir().glob("*.yaml"),
        *(ROOT / "schemas").rglob("*.json"),
        *(ROOT / "src" / "rocketchat_contract").rglob("*.py"),
        *(ROOT / "src" / "rocketchat_contract").rglob("*.yaml"),
    ]
)


def test_the_scan_covers_the_data_users_read() -> None:
    names = {path.name for path in USER_VISIBLE}
    assert {"drift.yaml", "eras.yaml", "clauses.yaml", "profiles.yaml", "compliance-report.schema.json"} <= names


@pytest.mark.parametrize("path", USER_VISIBLE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_user_visible_text_points_at_the_private_study(path: Path) -> None:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        found = PRIVATE.search(line)
        assert found is None, f"{path.relative_to(ROOT)}:{number} cites {found.group()!r}: {line.strip()}"


@pytest.mark.parametrize("entry", contract().drift, ids=lambda e: e.id)
def test_every_drift_source_names_a_public_reference(entry: object) -> None:
    source = getattr(entry, "source", "")
    assert PRIVATE.search(source) is None, source
    assert PUBLIC.search(source), f"{source!r} names no PR, issue, commit or release note"
