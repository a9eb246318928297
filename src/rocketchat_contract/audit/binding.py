"""Where a report's evidence went: every recorded exchange keeps the absolute URL it was sent to (its userinfo
masked), and a report is about the server its exchanges reached, under its ``base_url``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rocketchat_contract.results.evidence import masked_url


def _exchanges(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every recorded exchange by name: the probes that were sent, and the generated requests."""
    observations = report["observations"]
    found = [(name, data) for name, data in observations["probes"].items() if "request" in data]
    found += [(name, data) for requests in observations["generated"].values() for name, data in requests.items()]
    return found


def _origin(exchange: dict[str, Any]) -> str:
    """The URL an exchange was sent to, without its own path: where it went."""
    request = exchange["request"]
    url, path = str(request.get("url", "")), str(request["path"])
    return url[: -len(path)] if path and url.endswith(path) else url


def elsewhere(report: dict[str, Any]) -> list[str]:
    """One line per place the report's exchanges went other than under its ``base_url``; none when all went
    there."""
    base = masked_url(report["base_url"]).rstrip("/") + "/"
    away: Counter[str] = Counter()
    unnamed = []
    for name, exchange in _exchanges(report):
        url = str(exchange["request"].get("url", ""))
        if not url:
            unnamed.append(name)
        elif not url.startswith(base):
            away[_origin(exchange)] += 1
    lines = [
        f"base_url: {count} of its exchanges were sent to {origin}, not under its base_url {report['base_url']}"
        for origin, count in away.most_common()
    ]
    if unnamed:
        lines.append(f"base_url: {len(unnamed)} of its exchanges record no URL (first: {unnamed[0]})")
    return lines
