"""Turn observed exchanges into a verdict per clause, version-aware through the drift registry.

The Judge dispatches: a clause with a documented status and body (``expect``) is judged per probe in
``expectations.py``; a clause with a ``check`` is judged by the check registered under that name
(``checks/cross_probe.py`` for the checks across probes, ``checks/fuzz.py`` for the generated requests).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from rocketchat_contract.client.fuzz.config import HOSTILE, SCHEMATHESIS
from rocketchat_contract.client.http import Exchange
from rocketchat_contract.client.observations import Observation, Unavailable
from rocketchat_contract.client.redact import Redactor
from rocketchat_contract.contract.catalogue import Clause, Contract
from rocketchat_contract.contract.schemas import SchemaStore
from rocketchat_contract.contract.versions import Eras, Placement
from rocketchat_contract.judge.checks import REGISTRY
from rocketchat_contract.judge.expectations import judge_expectation
from rocketchat_contract.judge.unknown_release import annotate
from rocketchat_contract.judge.verdicts import Judgement, Verdict

__all__ = ["GENERATED", "Judge", "Observation", "Unavailable"]

GENERATED = (SCHEMATHESIS, HOSTILE)
"""The clauses judged on generated requests rather than on the probes."""


def select(clause: Clause, observations: Mapping[str, Observation]) -> dict[str, Observation]:
    """The observations a clause looks at: its probes by name, every one (``*``) or every GET (``*get``)."""
    if clause.probes == "*":
        return dict(observations)
    if clause.probes == "*get":
        return {k: o for k, o in observations.items() if isinstance(o, Exchange) and o.method == "GET"}
    return {name: observations[name] for name in clause.probes if name in observations}


class Judge:
    """Judges clauses for one server placement (its version and era)."""

    def __init__(
        self,
        contract: Contract,
        schemas: SchemaStore,
        eras: Eras,
        placement: Placement,
        redactor: Redactor,
    ) -> None:
        self.contract = contract
        self.schemas = schemas
        self.eras = eras
        self.placement = placement
        self.redactor = redactor

    def judge(self, clause_id: str, observations: Mapping[str, Observation], probe: str | None = None) -> Judgement:
        """Judge one clause: on ``probe`` for a clause with an expectation, on its selected observations otherwise.

        On a server newer than the newest known release, a violation also says that it may be new behaviour."""
        return annotate(self._judge(clause_id, observations, probe), self.placement)

    def _judge(self, clause_id: str, observations: Mapping[str, Observation], probe: str | None) -> Judgement:
        clause = self.contract.clause(clause_id)
        if not self.placement.endpoint_expected and clause.id != "endpoint.exists":
            return Judgement(
                clause.id,
                probe,
                Verdict.NOT_VERIFIED,
                f"the endpoint was added in 3.0.0 and this server reports {self.placement.reported}; "
                "nothing to judge (use --rc-version if the detected version is wrong)",
            )
        if clause.expect is not None:
            assert probe is not None, f"{clause.id} is judged per probe"
            return judge_expectation(self, clause, probe, observations.get(probe))
        assert clause.check is not None
        return REGISTRY[clause.check](self, clause, select(clause, observations))

    def judge_clause(self, clause: Clause, observations: Mapping[str, Observation]) -> list[Judgement]:
        """Every judgement of one clause: one per probe, or one for a check."""
        if clause.expect is not None:
            assert isinstance(clause.probes, tuple), f"{clause.id} needs a list of probes"
            judgements = []
            for probe in clause.probes:
                judgement = self.judge(clause.id, observations, probe)
                judgement.observed = {probe: observations[probe]} if probe in observations else {}
                judgements.append(judgement)
            return judgements
        judgement = self.judge(clause.id, observations)
        judgement.observed = select(clause, observations)
        return [judgement]

    def judge_all(
        self,
        probes: Mapping[str, Observation],
        generated: Mapping[str, Mapping[str, Observation]],
        only: Collection[str] | None = None,
    ) -> list[Judgement]:
        """Every clause of the catalogue (or those in ``only``) once: a generated clause on its own requests,
        the others on the probes."""
        judgements = []
        for clause in self.contract.clauses:
            if only is None or clause.id in only:
                seen = generated.get(clause.id, {}) if clause.id in GENERATED else probes
                judgements += self.judge_clause(clause, seen)
        return judgements

    def verdict(
        self, clause: Clause, probe: str | None, verdict: Verdict, detail: str, *evidence: Exchange
    ) -> Judgement:
        """A judgement with its detail redacted."""
        return Judgement(clause.id, probe, verdict, self.redactor.text(detail), None, list(evidence))
