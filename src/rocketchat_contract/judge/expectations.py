"""Clauses with a documented status and body, judged per probe: conforms, known drift, or a violation.

This is where one probe's answer is matched against the documentation and then against the drift entries
that cover the detected version, and where a drift entry's detail text is written.
"""

from __future__ import annotations

from rocketchat_contract.client.frontend import front_end_refusal
from rocketchat_contract.client.http import NOT_JSON, Exchange
from rocketchat_contract.client.observations import Observation, Unavailable
from rocketchat_contract.client.printable import printable
from rocketchat_contract.contract.catalogue import Clause, DriftEntry
from rocketchat_contract.judge.context import Judging
from rocketchat_contract.judge.explain import describe_mismatch, too_large
from rocketchat_contract.judge.verdicts import Judgement, Verdict


def judge_expectation(judge: Judging, clause: Clause, probe: str, observation: Observation | None) -> Judgement:
    """Judge one probe's answer against the clause's documented status and body, then the drift registry."""
    assert clause.expect is not None
    if observation is None:
        return Judgement(clause.id, probe, Verdict.NOT_VERIFIED, f"probe {probe} was not run")
    if isinstance(observation, Unavailable):
        return Judgement(clause.id, probe, Verdict.NOT_VERIFIED, observation.reason)
    exchange = observation
    if exchange.larger_than is not None:
        return judge.verdict(clause, probe, Verdict.VIOLATION, too_large(exchange), exchange)
    if (refused := front_end_refusal(exchange, probe)) is not None:
        return judge.verdict(clause, probe, Verdict.NOT_VERIFIED, refused, exchange)
    if exchange.error:
        return judge.verdict(clause, probe, Verdict.VIOLATION, f"no response: {exchange.error}", exchange)
    if exchange.status == 431:
        return judge.verdict(
            clause,
            probe,
            Verdict.NOT_VERIFIED,
            "the server refused the request's header block as too large (431) before authentication "
            "ran; its HTTP front end limits header size",
            exchange,
        )
    body = exchange.json()
    documented = exchange.status == clause.expect.status and body is not NOT_JSON
    if documented and judge.schemas.problem(clause.expect.schema, body) is None:
        return judge.verdict(
            clause,
            probe,
            Verdict.CONFORMS,
            f"{exchange.status} with the documented body ({clause.expect.schema})",
            exchange,
        )
    for entry in judge.contract.drift_for(clause.id, judge.placement.judged_as, judge.placement.reported):
        if (
            exchange.status == entry.instead.status
            and body is not NOT_JSON
            and judge.schemas.is_valid(entry.instead.schema, body)
        ):
            return drift_judgement(judge, clause, probe, entry, exchange)
    return judge.verdict(clause, probe, Verdict.VIOLATION, mismatch(judge, clause, exchange), exchange)


def drift_judgement(judge: Judging, clause: Clause, probe: str, entry: DriftEntry, exchange: Exchange) -> Judgement:
    """The judgement for an answer a drift entry explains; its detail text is written here."""
    if entry.outcome == "not-verified":
        detail = f"{entry.summary} ({exchange.status}, drift entry {entry.label}). To verify: {entry.remedy}."
        return Judgement(clause.id, probe, Verdict.NOT_VERIFIED, judge.redactor.text(detail), entry, [exchange])
    detail = f"known drift {entry.label} for Rocket.Chat {entry.versions}: {entry.summary} [source: {entry.source}]"
    return Judgement(clause.id, probe, Verdict.KNOWN_DRIFT, judge.redactor.text(detail), entry, [exchange])


def mismatch(judge: Judging, clause: Clause, exchange: Exchange) -> str:
    """What was expected (documented and accepted drift), how the answer differs, and the answer itself."""
    assert clause.expect is not None
    known = judge.contract.drift_for(clause.id, judge.placement.judged_as, judge.placement.reported)
    accepted = [(entry.instead.status, entry.instead.schema) for entry in known]
    lines = [
        describe_mismatch(clause.expect.status, clause.expect.schema, exchange, accepted, judge.schemas),
        f"  expected (documented): {clause.expect.status} with body matching {clause.expect.schema}",
    ]
    body = exchange.json()
    if exchange.status == clause.expect.status and body is not NOT_JSON:
        lines.append(f"    mismatch: {printable(str(judge.schemas.problem(clause.expect.schema, body)))}")
    for entry in known:
        lines.append(
            f"  also accepted for {judge.placement.judged_as} (drift {entry.id}): "
            f"{entry.instead.status} with body matching {entry.instead.schema}"
        )
        if exchange.status == entry.instead.status and body is not NOT_JSON:
            lines.append(f"    mismatch: {printable(str(judge.schemas.problem(entry.instead.schema, body)))}")
    if not known:
        lines.append(f"  no known drift covers Rocket.Chat {judge.placement.judged_as} for this clause")
    lines.append(f"  actual: {exchange.summary(judge.redactor)}")
    return "\n".join(lines)
