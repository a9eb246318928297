"""Drafting drift entries for a release the registry does not know.

A server newer than the newest known release is judged as that release, so what its own release changed
shows up as violations. For each distinct answer behind those violations (status and body) this drafts
one entry in the drift registry's format: the clauses it appeared on, the observed status, an inline
schema that accepts exactly the observed body, ``versions`` from the observed release upward (never down
to a release the registry knows) and a ``source`` that says it still needs a real reference. A reviewer
checks it against the release notes, loads it with ``--extra-drift`` and, once cited, upstreams it to
``contracts/drift.yaml``.

Only refusals can be proposed: a 4xx with a JSON body that carries no progress data, on a clause the
drift registry can explain. A 2xx where a refusal is due, a 5xx, a non-JSON answer or leaked progress
stays a violation, whatever the release.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from packaging.version import Version

from rocketchat_contract.client.fuzz.config import HOSTILE, SCHEMATHESIS
from rocketchat_contract.client.fuzz.exchange import PRIVILEGED_GENERATED
from rocketchat_contract.client.printable import escaped_in_strings, printable
from rocketchat_contract.contract.catalogue import contract
from rocketchat_contract.contract.versions import VersionError, eras, server_version
from rocketchat_contract.judge.checks.cross_probe import PROGRESS_FIELDS
from rocketchat_contract.reports.observations import resolved

SOURCE = "observed on {target}, {date}: review and cite a release note or commit before upstreaming"


class NothingToPropose(Exception):
    """The report cannot yield entries; the message says why (one line)."""


@dataclass
class Answer:
    """One distinct unexplained answer: status and body, and where it was seen."""

    status: int
    body: Any
    clauses: list[str] = field(default_factory=list)
    probes: list[str] = field(default_factory=list)

    def seen(self, clause: str, probe: str) -> None:
        if clause not in self.clauses:
            self.clauses.append(clause)
        if probe not in self.probes:
            self.probes.append(probe)


@dataclass(frozen=True)
class Skipped:
    """A violation no drift entry may excuse, and why."""

    clause: str
    why: str


def body_schema(body: Any) -> dict[str, Any]:
    """A JSON Schema that accepts exactly ``body``: every key required, nothing else, each value as observed."""
    if not isinstance(body, dict):
        return {"const": body}
    return {
        "type": "object",
        "required": list(body),
        "additionalProperties": False,
        "properties": {key: {"const": value} for key, value in body.items()},
    }


def floor(version: Version) -> str:
    """The lowest release an entry covers: the observed one, as X.Y.Z (with its pre-release part)."""
    text = f"{version.major}.{version.minor}.{version.micro}"
    if version.pre:
        text += f"{version.pre[0]}{version.pre[1]}"
    return text


def _proposable(status: Any, body: Any) -> str | None:
    """Why an answer cannot be proposed as drift, or None if it can."""
    if not isinstance(status, int):
        return "no HTTP answer"
    if not 400 <= status < 500:
        return f"status {status}: only a 4xx refusal can be drift; anything else stays a violation"
    if not isinstance(body, dict | list):
        return f"the {status} body is not JSON"
    if isinstance(body, dict) and (leaked := [f for f in PROGRESS_FIELDS if f in body]):
        return f"the {status} body carries progress data ({', '.join(leaked)})"
    return None


def _clause_of(clause: str, exchange: dict[str, Any]) -> str | None:
    """The drift-judged clause an exchange stands for (generated clauses are judged as one of those)."""
    if clause in contract().drift_clauses:
        return clause
    request, response = exchange["request"], exchange.get("response") or {}
    if request["method"] != "GET":
        return None
    if clause == HOSTILE:
        return "auth.invalid" if response.get("status") == 401 else None
    if clause == SCHEMATHESIS:
        if exchange["probe"].startswith(PRIVILEGED_GENERATED):
            return "success.response"
        return "auth.missing" if response.get("status") == 401 else None
    return None


def _violating_exchanges(clause: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The evidence behind a violated clause: the violating probes' exchanges, or all of it for the others."""
    violating = {p["probe"] for p in clause["probes"] if p["verdict"] == "violation"}
    for exchange in clause["evidence"]:
        if not violating or exchange["probe"] in violating:
            yield exchange


def unexplained(report: dict[str, Any]) -> tuple[list[Answer], list[Skipped]]:
    """The distinct proposable answers behind the report's violations, and the violations that are not."""
    answers: dict[tuple[int, str], Answer] = {}
    skipped: list[Skipped] = []
    for clause in resolved(report)["clauses"]:
        if clause["verdict"] != "violation":
            continue
        found = False
        for exchange in _violating_exchanges(clause):
            target = _clause_of(clause["id"], exchange)
            if target is None:
                continue
            response = exchange.get("response") or {}
            status, body = response.get("status"), response.get("body")
            why = _proposable(status, body)
            if why is not None or not isinstance(status, int):
                skipped.append(Skipped(clause["id"], f"{exchange['probe']}: {why or 'no HTTP answer'}"))
                found = True
                continue
            key = (status, json.dumps(body, sort_keys=True))
            answers.setdefault(key, Answer(status, body)).seen(target, exchange["probe"])
            found = True
        if not found:
            skipped.append(Skipped(clause["id"], "a check of its own, not an answer a drift entry can explain"))
    return list(answers.values()), skipped


def propose(report: dict[str, Any]) -> tuple[list[dict[str, Any]], list[Skipped]]:
    """The drift entries for a report of a server newer than the newest known release."""
    answers, skipped = unexplained(report)
    if not answers:
        return [], skipped
    reported = report.get("server_version")
    if not reported:
        raise NothingToPropose("the report does not say which release the server runs")
    try:
        version = server_version(reported)
    except VersionError as exc:
        raise NothingToPropose(f"the report's server version is unusable: {exc}") from None
    known = eras().newest_known
    if not eras().newer_than_known(version):
        raise NothingToPropose(
            f"Rocket.Chat {version} is a release the registry knows (the newest known is {known}): its violations "
            "are bugs or registry errors, not new behaviour; for a deliberate local deviation, write an entry by hand"
        )
    lowest = floor(version)
    source = SOURCE.format(target=report["base_url"], date=str(report["started_at"])[:10])
    entries = []
    for answer in answers:
        digest = hashlib.sha256(json.dumps(answer.body, sort_keys=True).encode()).hexdigest()[:6]
        more = len(answer.probes) - 4
        probes = ", ".join(answer.probes[:4]) + (f" and {more} more" if more > 0 else "")
        entries.append(
            {
                "id": f"local-{lowest.replace('.', '-')}-{answer.status}-{digest}",
                "clauses": [c for c in contract().drift_clauses if c in answer.clauses],
                "versions": f">={lowest}",
                "instead": {"status": answer.status, "body_schema": body_schema(answer.body)},
                "summary": f"Rocket.Chat {version} answered {answer.status} with a body the registry does not know "
                f"(seen on {probes}).",
                "source": source,
            }
        )
    return entries, skipped


def render(entries: list[dict[str, Any]], skipped: list[Skipped], report: dict[str, Any], path: Path) -> str:
    """The entries as a drift file (YAML with a header saying what to review), ready for --extra-drift."""
    header = [
        f"# Drift entries proposed by `rocketchat-contract propose-drift {path}`",
        f"# for Rocket.Chat {report['server_version']} at {report['base_url']} (run of {report['started_at']}),",
        f"# a release newer than the newest known one ({eras().newest_known}).",
        "# Each entry accepts exactly the body that was observed. Before relying on one: confirm the answer",
        "# is the release's intended behaviour (release notes, the commit), widen or narrow its schema and",
        "# clauses, and replace `source` with that reference. Use it with `pytest --extra-drift FILE`, then",
        "# upstream it to contracts/drift.yaml.",
    ]
    header += [f"# not proposed: {s.clause}: {s.why}" for s in skipped]
    text = yaml.dump({"entries": entries}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(printable(line) for line in header) + "\n" + escaped_in_strings(text)


class _Dumper(yaml.SafeDumper):
    """Double-quotes a string holding a control character (``printable`` would escape it): YAML writes most of
    them as escapes there, ``escaped_in_strings`` the rest, so a draft of an observed body shows none raw and
    loads as observed."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if printable(value) != value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)
