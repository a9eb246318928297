"""A finished contract run as plain data: its judgements (redacted) and what the summary and reports say of it.

The record is what crosses process boundaries: pytest-xdist workers read the one run's record, and every test
report carries its own judgement to the process that prints the table and writes the reports.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from rocketchat_contract.client.printable import printable
from rocketchat_contract.client.redact import Redactor
from rocketchat_contract.judge.verdicts import Judgement, Verdict
from rocketchat_contract.results.evidence import exchange_data, observation_data
from rocketchat_contract.results.selection import Selection, whole_catalogue


def shown(sentence: str, redactor: Redactor) -> str:
    """A sentence of a record (a detail, a note, why a run stopped) as every output may show it: secrets masked,
    control characters escaped but for its own line breaks; what a server sent in it was escaped where it was
    quoted, so no line break of the server's survives."""
    return printable(redactor.text(sentence), lines=True)


@dataclass(frozen=True)
class JudgementRecord:
    """One judgement, redacted: the drift entry by id, the evidence as report evidence (raw but for secrets), the
    details escaped (``shown``)."""

    clause: str
    probe: str | None
    verdict: Verdict
    detail: str
    drift: str | None = None
    evidence: tuple[dict[str, Any], ...] = ()
    parts: tuple[dict[str, str], ...] = ()
    """The answers a clause judged on many did not accept: probe, verdict and detail (the report's ``probes``)."""
    observed: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Everything the judgement was judged on, by name, as evidence (``evidence.observation_data``): what
    ``rocketchat-contract rejudge`` judges again."""

    @classmethod
    def of(cls, judgement: Judgement, redactor: Redactor) -> JudgementRecord:
        return cls(
            clause=judgement.clause,
            probe=judgement.probe,
            verdict=judgement.verdict,
            detail=shown(judgement.detail, redactor),
            drift=judgement.drift.id if judgement.drift else None,
            evidence=tuple(exchange_data(exchange, redactor) for exchange in judgement.evidence),
            parts=tuple(
                {
                    "probe": part.probe or part.clause,
                    "verdict": part.verdict.value,
                    "detail": shown(part.detail, redactor),
                }
                for part in judgement.parts
            ),
            observed={name: observation_data(o, redactor) for name, o in judgement.observed.items()},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "verdict": self.verdict.value,
            "evidence": list(self.evidence),
            "parts": list(self.parts),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JudgementRecord:
        return cls(
            **{
                **data,
                "verdict": Verdict(data["verdict"]),
                "evidence": tuple(data["evidence"]),
                "parts": tuple(data.get("parts", ())),
                "observed": data.get("observed", {}),
            }
        )


@dataclass
class RunRecord:
    """What one run found, without a secret in it."""

    base_url: str
    embedded: str | None = None
    """The reference-server profile that served the run, when it was the embedded default target."""
    server_version: str | None = None
    judged_as: str | None = None
    era: str | None = None
    started_at: str = ""
    notes: list[str] = field(default_factory=list)
    cleanup_problems: list[str] = field(default_factory=list)
    judgements: list[JudgementRecord] = field(default_factory=list)
    error: str | None = None
    """Why the target cannot be tested (the run ends with exit status 4), or None."""
    extra_drift: list[str] = field(default_factory=list)
    """The local drift files (--extra-drift) the run judged with, so reports can name their entries."""
    selection: Selection = field(default_factory=whole_catalogue)
    """The clauses (and probes) the run was asked to judge (``results.selection``): the session's contract tests."""
    rejudged: dict[str, str] | None = None
    """For a report judged again offline: when, and the digest of the report it was judged from."""

    @property
    def target(self) -> str:
        where = f"embedded reference server (profile {self.embedded})" if self.embedded else self.base_url
        if self.server_version is None:
            return where
        return f"{where}, Rocket.Chat {self.server_version} (era {self.era})"

    def find(self, clause: str, probe: str | None) -> JudgementRecord | None:
        """The judgement of ``clause`` on ``probe``; without a probe, the clause's only judgement."""
        mine = [j for j in self.judgements if j.clause == clause]
        if probe is not None:
            return next((j for j in mine if j.probe == probe), None)
        return mine[0] if len(mine) == 1 else None

    def meta(self) -> dict[str, Any]:
        """Everything but the judgements, as JSON data."""
        data = asdict(replace(self, judgements=[]))  # every test report carries this: copy no judgement
        del data["judgements"]
        return data

    def to_json(self) -> str:
        return json.dumps({**self.meta(), "judgements": [j.to_json() for j in self.judgements]})

    @classmethod
    def from_json(cls, text: str) -> RunRecord:
        data = json.loads(text)
        judgements = [JudgementRecord.from_json(j) for j in data.pop("judgements")]
        return cls(**data, judgements=judgements)
