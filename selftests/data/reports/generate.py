"""Regenerate the report fixtures of this folder: `python selftests/data/reports/generate.py`.

Each fixture is a real `build_report()` document: the suite's own Judge judges recorded-style exchanges
of one Rocket.Chat release (3.18.3 on Restivus, 8.8.1 on Hono, and a hypothetical 9.9.0, newer than any
known release, that brings a new ProgressStep and rate-limits the under-privileged account), so the fixtures
change when the judge does. The generated requests are left out: their clauses are not verified.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rocketchat_contract.client.credentials import Credential
from rocketchat_contract.client.http import Exchange
from rocketchat_contract.client.probes import ENDPOINT, NON_ASCII, OVERLONG
from rocketchat_contract.contract.catalogue import contract
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.contract.versions import eras, parse_version
from rocketchat_contract.judge.judge import Judge, Observation, Unavailable
from rocketchat_contract.reports.model import build_report
from rocketchat_contract.reports.render import render
from rocketchat_contract.results.ledger import Ledger
from rocketchat_contract.results.record import JudgementRecord
from rocketchat_contract.run.contract_run import ContractRun, Settings

HERE = Path(__file__).resolve().parent
ADMIN_ID, ADMIN_TOKEN = "rZ4kqGx8wWcJ2Lm9T", "S3cr3t-Adm1n-T0k3n-xYq7RbVn2LpW8dKf5HsJ0aZc"
USER_ID, USER_TOKEN = "bN7vC2pQ5sE9yH4jK", "S3cr3t-Us3r-T0k3n-mQ4wEr7TyU1iOp9AsDf6GhJk"
JSON = {"Content-Type": "application/json"}
HONO_JSON = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}


def _exchange(
    probe: str,
    headers: dict[str, str | bytes],
    status: int,
    body: Any,
    response_headers: dict[str, str],
    elapsed: float,
    method: str = "GET",
) -> Exchange:
    text = body if isinstance(body, str) else json.dumps(body)
    return Exchange(
        probe=probe,
        method=method,
        path=ENDPOINT,
        request_headers=headers,
        status=status,
        response_headers=dict(response_headers),
        body_text=text,
        elapsed=elapsed,
    )


def _unauthenticated(body: Any, headers: dict[str, str], delay: float) -> dict[str, Observation]:
    sent: dict[str, dict[str, str | bytes]] = {
        "no-headers": {},
        "user-id-only": {"X-User-Id": ADMIN_ID},
        "token-only": {"X-Auth-Token": ADMIN_TOKEN},
        "wrong-token": {"X-User-Id": ADMIN_ID, "X-Auth-Token": "kB1d6Yf0vQ-ZpS3xWm8uLr2aTj9NcE4hGo7iKy5sPq0"},
        "foreign-token": {"X-User-Id": USER_ID, "X-Auth-Token": ADMIN_TOKEN},
        "logged-out-token": {"X-User-Id": USER_ID, "X-Auth-Token": "Rv0cK3dL0gg3dOutT0k3n-q8WzX2nB5mA7sD1fG4hJ"},
        "empty-values": {"X-User-Id": ADMIN_ID, "X-Auth-Token": ""},
        "whitespace-values": {"X-User-Id": ADMIN_ID, "X-Auth-Token": " \t  "},
        "overlong-token": {"X-User-Id": ADMIN_ID, "X-Auth-Token": "A" * OVERLONG},
        "non-ascii-token": {"X-User-Id": ADMIN_ID, "X-Auth-Token": NON_ASCII},
        "injection-values": {"X-User-Id": '{"$ne": null}', "X-Auth-Token": "' OR '1'='1"},
    }
    return {
        probe: _exchange(probe, h, 401, body, headers, delay + 0.011 * i) for i, (probe, h) in enumerate(sent.items())
    }


def _admin() -> dict[str, str | bytes]:
    return {"X-User-Id": ADMIN_ID, "X-Auth-Token": ADMIN_TOKEN}


def _user() -> dict[str, str | bytes]:
    return {"X-User-Id": USER_ID, "X-Auth-Token": USER_TOKEN}


def _rate(remaining: int) -> dict[str, str]:
    return {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": "1748855705000"}


def rc_3_18() -> dict[str, Observation]:
    observations = _unauthenticated({"status": "error", "message": "You must be logged in to do this."}, JSON, 0.62)
    observations["logged-out-token"] = Unavailable(
        "needs a session the suite opens itself and may log out: give a password "
        "(RC_ADMIN_USERNAME/RC_ADMIN_PASSWORD or RC_USER_USERNAME/RC_USER_PASSWORD) or pass --provision-user; "
        "a given token is never logged out"
    )
    observations["privileged"] = _exchange(
        "privileged",
        _admin(),
        200,
        {"key": "csv", "name": "CSV", "step": "importer_done", "count": {"completed": 0, "total": 0}, "success": True},
        JSON,
        0.041,
    )
    observations["under-privileged"] = _exchange(
        "under-privileged",
        _user(),
        400,
        {
            "success": False,
            "error": "Importing is not allowed [error-action-not-allowed]",
            "errorType": "error-action-not-allowed",
            "details": {"method": "setupImporter"},
        },
        JSON,
        0.58,
    )
    observations["post-method"] = _exchange(
        "post-method",
        _admin(),
        405,
        {"status": "error", "message": "API endpoint does not exist"},
        {**JSON, "Allow": "GET"},
        0.012,
        method="POST",
    )
    return observations


def rc_8_8(step: str = "importer_done", completed: int = 500) -> dict[str, Observation]:
    body = {
        "success": False,
        "error": "You must be logged in to do this.",
        "status": "error",
        "message": "You must be logged in to do this.",
    }
    observations = _unauthenticated(body, HONO_JSON, 0.004)
    observations["privileged"] = _exchange(
        "privileged",
        _admin(),
        200,
        {
            "key": "csv",
            "name": "CSV",
            "step": step,
            "count": {"completed": completed, "total": 500, "error": 0},
            "success": True,
        },
        {**HONO_JSON, **_rate(9)},
        0.018,
    )
    observations["under-privileged"] = _exchange(
        "under-privileged",
        _user(),
        403,
        {"success": False, "error": "User does not have the permissions required for this action [error-unauthorized]"},
        {**HONO_JSON, **_rate(8)},
        0.009,
    )
    observations["post-method"] = _exchange(
        "post-method",
        _admin(),
        404,
        "404 Not Found",
        {"Content-Type": "text/plain; charset=UTF-8"},
        0.003,
        method="POST",
    )
    return observations


def rc_9_9() -> dict[str, Observation]:
    observations = rc_8_8(step="importer_importing_history", completed=120)
    observations["under-privileged"] = _exchange(
        "under-privileged",
        _user(),
        429,
        {
            "success": False,
            "error": "Error, too many requests. Please slow down. You must wait 42 seconds before "
            "trying this endpoint again. [error-too-many-requests]",
        },
        {**HONO_JSON, **_rate(0), "Retry-After": "42"},
        0.006,
    )
    return observations


def build(
    version: str,
    base_url: str,
    started_at: str,
    observations: dict[str, Observation],
    notes: list[str],
    embedded: str | None = None,
) -> dict[str, Any]:
    """Judge every clause on ``observations`` as the plugin does and return the report document (of a run of the
    embedded reference server's ``embedded`` profile, if given)."""
    settings = Settings(
        base_url=base_url,
        embedded=embedded,
        privileged=Credential("privileged", user_id=ADMIN_ID, token=ADMIN_TOKEN, source="env"),
        under=Credential("under-privileged", user_id=USER_ID, token=USER_TOKEN, source="env"),
    )
    run = ContractRun(settings)
    run.started_at = started_at
    run.placement = eras().place(parse_version(version))
    if run.placement.note:
        run.notes.append(run.placement.note)
    run.notes += notes
    run.judge = Judge(contract(), store(), eras(), run.placement, run.redactor)
    for observed in observations.values():
        if isinstance(observed, Exchange):  # as the client records it: the absolute URL under the base URL
            observed.url = base_url.rstrip("/") + observed.path
    run.observations = observations  # no generated requests: those clauses are judged on none, as a run would
    ledger = Ledger()
    for judgement in run.judge_all():
        ledger.add(JudgementRecord.of(judgement, run.redactor))
    run.client.close()
    return build_report(run.record(), ledger, strict_docs=False)


FIXTURES = {
    "rc-3.18.json": ("3.18.3", "https://chat-legacy.example.org", "2025-06-02T09:02:41+00:00", rc_3_18, []),
    "rc-8.8.json": ("8.8.1", "https://chat.example.com", "2025-06-02T09:14:05+00:00", rc_8_8, []),
    "rc-9.9.json": (
        "9.9.0",
        "https://chat.example.com",
        "2025-09-15T13:40:12+00:00",
        rc_9_9,
        ["the under-privileged account was rate limited; the window resets after --rate-limit-wait (65 s)"],
    ),
}


def main() -> None:
    for name, (version, base_url, started_at, observe, notes) in FIXTURES.items():
        report = build(version, base_url, started_at, observe(), notes)
        (HERE / name).write_text(render(report, ".json"), encoding="utf-8")
        print(name, report["summary"])


if __name__ == "__main__":
    main()
