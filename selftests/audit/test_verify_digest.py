"""``verify`` finds an edit that only the digest can show: fields no verdict is derived from (``notes``,
``started_at``). The evidence check cannot see those, so this is the digest check's own test."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from report_files import save

from rocketchat_contract.commands.main import main

GENERATE = Path(__file__).resolve().parents[1] / "data" / "reports" / "generate.py"


def _fresh_report() -> dict[str, Any]:
    """The 8.8 fixture's report, judged now (so it names the installed registry), without a server."""
    spec = importlib.util.spec_from_file_location("report_fixtures", GENERATE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    report: dict[str, Any] = module.build(
        "8.8.1", "https://chat.example.com", "2025-06-02T09:14:05+00:00", module.rc_8_8(), []
    )
    return report


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize(
    ("field", "edited"),
    [
        ("notes", ["the server was tested by an accredited auditor"]),
        ("started_at", "2026-01-01T00:00:00+00:00"),
    ],
)
def test_verify_catches_an_edit_only_the_digest_protects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, edited: Any
) -> None:
    report = _fresh_report()
    assert main(["verify", str(save(report, tmp_path / "as-written.json"))]) == 0
    capsys.readouterr()
    assert report[field] != edited
    report[field] = edited
    assert main(["verify", str(save(report, tmp_path / "edited.json"))]) == 1
    captured = capsys.readouterr()
    said = (captured.out + captured.err).lower()
    assert "digest" in said or "edited" in said, said
