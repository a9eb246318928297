"""Judging of generated requests: every answer on its own, the clause gets the worst, offenders as evidence.

Known drift counts as it does for every clause: a clause whose answers rest on a drift entry is known drift
(so --strict-docs fails it), not "conforms".

A schemathesis answer is judged as the documented clause its request and status belong to (so an 8.8 server
sending the 3.x 401 body fails), plus schemathesis's own checks; a hostile-credential answer must be a 401
with the version's body, without rate-limit headers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rocketchat_contract.client.frontend import front_end_refusal
from rocketchat_contract.client.fuzz.exchange import GeneratedExchange
from rocketchat_contract.client.http import Exchange
from rocketchat_contract.client.observations import Observation
from rocketchat_contract.contract.catalogue import Clause
from rocketchat_contract.judge.checks.cross_probe import leaked_fields, sent
from rocketchat_contract.judge.checks.registry import check
from rocketchat_contract.judge.context import Judging
from rocketchat_contract.judge.expectations import judge_expectation
from rocketchat_contract.judge.explain import too_large
from rocketchat_contract.judge.verdicts import Judgement, Verdict

SHOWN = 5
"""Offending answers quoted in a violation's detail."""


def _each(
    judge: Judging, clause: Clause, observations: Mapping[str, Observation], one: Callable[[Exchange], Judgement]
) -> Judgement:
    """Judge every answer on its own; the clause gets what its answers rest on, as a clause judged per probe
    does: a violation, else known drift when any answer is explained only by a drift entry, else conforms."""
    exchanges = sent(observations)
    if not exchanges:
        return Judgement(clause.id, None, Verdict.NOT_VERIFIED, "no generated request was sent")
    judged = [(exchange, one(exchange)) for exchange in exchanges]
    version = judge.placement.judged_as
    refused = [j for _, j in judged if j.verdict in (Verdict.VIOLATION, Verdict.NOT_VERIFIED)]
    bad = [j for j in refused if j.verdict is Verdict.VIOLATION]
    if bad:
        shown = "\n".join(f"- {j.detail}" for j in bad[:SHOWN])
        more = f"\n(and {len(bad) - SHOWN} more)" if len(bad) > SHOWN else ""
        detail = (
            f"{len(bad)} of {len(exchanges)} generated requests got an answer the contract does not accept for "
            f"Rocket.Chat {version}:\n{shown}{more}"
        )
        return _kept(judge.verdict(clause, None, Verdict.VIOLATION, detail), exchanges, refused)
    drifted = [(j.drift.id, j) for _, j in judged if j.verdict is Verdict.KNOWN_DRIFT and j.drift is not None]
    if drifted:
        entries = dict(sorted(drifted, key=lambda pair: pair[0]))
        first = next(iter(entries.values()))
        detail = (
            f"{len(drifted)} of {len(exchanges)} generated requests were answered as known drift "
            f"({', '.join(entries)}) for Rocket.Chat {version}"
            + ("; every other answer is one the contract accepts" if len(drifted) < len(exchanges) else "")
            + "\n"
            + "\n".join(j.detail for j in entries.values())
        )
        drift = Judgement(clause.id, None, Verdict.KNOWN_DRIFT, judge.redactor.text(detail), first.drift)
        return _kept(drift, exchanges, refused)
    detail = f"{len(exchanges)} generated requests, every answer documented or accepted for Rocket.Chat {version}"
    return _kept(judge.verdict(clause, None, Verdict.CONFORMS, detail), exchanges, refused)


def _kept(judgement: Judgement, exchanges: list[Exchange], refused: list[Judgement]) -> Judgement:
    """Keep every generated request as evidence (what was sent, whatever the verdict) and, as the clause's
    parts, the answers it did not accept, so a report says which of the requests a violation rests on."""
    judgement.evidence = list(exchanges)
    judgement.parts = refused
    return judgement


def _broken(judge: Judging, clause: Clause, exchange: Exchange) -> Judgement | None:
    """No answer, a 5xx, a body past the cap, or progress data in an error: wrong whatever the request was."""
    if exchange.error or (exchange.status is not None and exchange.status >= 500):
        return judge.verdict(clause, exchange.probe, Verdict.VIOLATION, exchange.summary(judge.redactor, 160), exchange)
    if exchange.larger_than is not None:
        detail = f"{exchange.probe}: {too_large(exchange)}"
        return judge.verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
    if fields := leaked_fields(exchange):
        detail = (
            f"{exchange.status} carries progress data ({', '.join(fields)}): {exchange.summary(judge.redactor, 160)}"
        )
        return judge.verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
    return None


def _as(judge: Judging, clause_id: str, exchange: Exchange, clause: Clause) -> Judgement:
    """Judge one exchange as the documented clause its status belongs to, reworded for the generated clause."""
    judged = judge_expectation(judge, judge.contract.clause(clause_id), exchange.probe, exchange)
    if judged.verdict is Verdict.VIOLATION:
        detail = f"{exchange.probe}: judged as {clause_id}: {exchange.summary(judge.redactor, 160)}"
        return judge.verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
    return Judgement(clause.id, exchange.probe, judged.verdict, judged.detail, judged.drift, [exchange])


def _schemathesis_one(judge: Judging, clause: Clause, exchange: Exchange) -> Judgement:
    """By schemathesis's checks, then by method, by whether it carried the privileged pair, then by status."""
    if (broken := _broken(judge, clause, exchange)) is not None:
        return broken
    generated = exchange if isinstance(exchange, GeneratedExchange) else None
    if generated and generated.check_failure:
        detail = f"{exchange.probe}: schemathesis: {generated.check_failure}"
        return judge.verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
    status = exchange.status
    if exchange.method in ("OPTIONS", "HEAD"):
        return judge.verdict(clause, exchange.probe, Verdict.CONFORMS, f"{exchange.method} answered {status}")
    if exchange.method != "GET":
        if status is not None and 400 <= status < 500:
            return judge.verdict(clause, exchange.probe, Verdict.CONFORMS, f"{exchange.method} refused")
        detail = f"{exchange.method} should be refused with a 4xx: {exchange.summary(judge.redactor, 160)}"
        return judge.verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
    if not (generated and generated.privileged):
        if status == 401:
            return _as(judge, "auth.missing", exchange, clause)
        detail = f"a request without the privileged pair should get 401: {exchange.summary(judge.redactor, 160)}"
        return judge.verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
    if status == 200:
        drift: Judgement | None = None
        for clause_id in ("success.response", "success.content-type", "success.step", "success.counts"):
            judged = judge.judge(clause_id, {"privileged": exchange}, "privileged")
            if judged.verdict is Verdict.VIOLATION:
                detail = f"{exchange.probe}: judged as {clause_id}: {judged.detail}"
                return judge.verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
            if judged.verdict is Verdict.KNOWN_DRIFT and drift is None:
                drift = judged
        if drift is not None:
            return Judgement(clause.id, exchange.probe, drift.verdict, drift.detail, drift.drift, [exchange])
        return judge.verdict(clause, exchange.probe, Verdict.CONFORMS, "200 with the progress", exchange)
    return _as(judge, "success.response", exchange, clause)


@check("generated-responses")
def generated_responses(judge: Judging, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
    return _each(judge, clause, observations, lambda e: _schemathesis_one(judge, clause, e))


def _hostile_one(judge: Judging, clause: Clause, exchange: Exchange) -> Judgement:
    if (refused := front_end_refusal(exchange, exchange.probe)) is not None:
        return judge.verdict(clause, exchange.probe, Verdict.NOT_VERIFIED, refused, exchange)
    if (broken := _broken(judge, clause, exchange)) is not None:
        return broken
    limits = sorted(k for k in exchange.response_headers if k.lower().startswith("x-ratelimit"))
    if limits:
        detail = f"{exchange.probe}: a refused request counted against a rate limit ({', '.join(limits)})"
        return judge.verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
    if exchange.status == 431:
        return judge.verdict(clause, exchange.probe, Verdict.NOT_VERIFIED, "header block refused as too large")
    if exchange.status != 401:
        detail = f"{exchange.probe}: expected 401, got {exchange.summary(judge.redactor, 160)}"
        return judge.verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
    return _as(judge, "auth.invalid", exchange, clause)


@check("hostile-credentials")
def hostile_credentials(judge: Judging, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
    return _each(judge, clause, observations, lambda e: _hostile_one(judge, clause, e))
