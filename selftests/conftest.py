"""Self-tests run the suite the way users do, through pytester; the mutation catalogue reports its score."""

from __future__ import annotations

from typing import Any

import pytest

pytest_plugins = ["pytester"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    tally = {"fault": [0, 0], "variation": [0, 0]}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if not isinstance(report, pytest.TestReport):
                continue
            if report.when != "call" and not (report.when == "setup" and not report.passed):
                continue
            kind = dict(report.user_properties).get("catalogue")
            if kind in tally:
                tally[kind][0] += report.passed
                tally[kind][1] += 1
    if tally["fault"][1] or tally["variation"][1]:
        caught, faults = tally["fault"]
        passed, correct = tally["variation"]
        terminalreporter.write_line(f"faults caught: {caught}/{faults}, correct servers passed: {passed}/{correct}")
