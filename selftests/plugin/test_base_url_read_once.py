"""The base URL is read once, by options.py, into the validated ``Options.base_url`` that the whole run uses.

pytest-base-url's option (and its ini value and fixture) hold a masked copy once a password is hidden, so a
second reader would either show the password or send the mask.
"""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "rocketchat_contract"
READS = re.compile(r"""get(?:option|ini)\(\s*["']base_url["']|\.option\.base_url\b(?!\s*=[^=])""")


def test_only_the_options_read_pytest_base_urls_value() -> None:
    readers = sorted(
        str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py") if READS.search(path.read_text("utf-8"))
    )
    assert readers == ["plugin/options.py"]


def test_the_pattern_sees_each_way_of_reading_it() -> None:
    for source in (
        'config.getoption("base_url", default=None)',
        "config.getini('base_url')",
        "url = config.option.base_url",
    ):
        assert READS.search(source), source
    assert not READS.search("config.option.base_url = shown")
