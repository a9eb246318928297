"""A finished contract run as plain data: its judgements (redacted) and what the summary and reports say of it.

The record is what crosses process boundaries: pytest-xdist workers read the one run's record, and every test
report carries its own judgement to the process that prints the table and writes the reports.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from rocketchat_contract.client.printable import printable
from rocketchat_contract.client.redact import Redactor
from rocketchat_contract.judge.verdicts import Judgement, Verdict
from rocketchat_contract.results.evidence import observation_data
from rocketchat_contract.results.selection import Selection, whole_catalogue

if TYPE_CHECKING:
    from rocketchat_contract.contract.versions import Placement


def shown(sentence: str, redactor: Redactor) -> str:
    """A sentence of a record (a detail, a note, why a run stopped) as every output may show it: secrets masked,
    control characters escaped but for its own line breaks; what a server sent in it was escaped where it was
    quoted, so no line break of the server's survives."""
    return printable(redactor.text(sentence), lines=True)


def evidence_names(judgement: Judgement) -> tuple[str, ...]:
    """The names, among what the judgement was judged on, of the exchanges its verdict rests on: a report keeps
    each exchange once, under that name, and its evidence names it."""
    names = {id(observation): name for name, observation in judgement.observed.items()}
    missing = [exchange.probe for exchange in judgement.evidence if id(exchange) not in names]
    if missing:
        raise ValueError(f"{judgement.clause}: its evidence {missing} is not among what it was judged on")
    return tuple(names[id(exchange)] for exchange in judgement.evidence)


@dataclass(frozen=True)
class JudgementRecord:
    """One judgement, redacted: the drift entry by id, what it was judged on as report evidence (raw but for
    secrets), the exchanges its verdict rests on by their names there, the details escaped (``shown``)."""

    clause: str
    probe: str | None
    verdict: Verdict
    detail: str
    drift: str | None = None
    evidence: tuple[str, ...] = ()
    """The exchanges the verdict rests on, by their names in ``observed`` (the report's observation ids)."""
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
            evidence=evidence_names(judgement),
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
            **{f.name: getattr(self, f.name) for f in fields(self)},
            "observed": dict(self.observed),
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

    @classmethod
    def judged(
        cls,
        placement: Placement | None,
        judgements: list[JudgementRecord],
        *,
        base_url: str,
        embedded: str | None,
        started_at: str,
        notes: list[str],
        extra_drift: Sequence[str],
        cleanup_problems: Sequence[str] = (),
        selection: Selection | None = None,
        rejudged: dict[str, str] | None = None,
    ) -> RunRecord:
        """The record of a run that judged its server, placed by ``placement`` (None if it never was): a live
        run's (``ContractRun.record``) or a report's judged again offline (``audit.rejudge``)."""
        return cls(
            base_url=base_url,
            embedded=embedded,
            server_version=str(placement.reported) if placement else None,
            judged_as=str(placement.judged_as) if placement else None,
            era=placement.era.id if placement else None,
            started_at=started_at,
            notes=list(notes),
            cleanup_problems=list(cleanup_problems),
            judgements=judgements,
            extra_drift=list(extra_drift),
            selection=whole_catalogue() if selection is None else selection,
            rejudged=rejudged,
        )

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
