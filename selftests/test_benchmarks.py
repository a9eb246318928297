"""Smoke test of benchmarks/run.py: it runs end to end in quick mode and writes its tables (timings not judged)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def test_quick_run_writes_the_results_table(tmp_path: Path) -> None:
    output = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--faults", "accept-no-credentials", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = output.read_text(encoding="utf-8")
    for heading in ("## Machine", "## Side by side", "## Targets", "## Fault catalogue", "## Reproduce"):
        assert heading in text
    assert "| suite wall time, s |" in text
    assert "| `accept-no-credentials` |" in text
    assert text.count("| **met** |") + text.count("| **missed** |") == 4
