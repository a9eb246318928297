"""The checks of clauses that look across probes, each registered under the name ``clauses.yaml`` gives it.

A check receives the observations its clause selects (``probes`` in clauses.yaml) and returns one judgement,
with the exchanges it rests on as evidence: a conforming verdict keeps the requests it looked at too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rocketchat_contract.client.frontend import front_end_refusal
from rocketchat_contract.client.http import Exchange
from rocketchat_contract.client.observations import Observation, Unavailable
from rocketchat_contract.contract.catalogue import Clause
from rocketchat_contract.judge.checks.registry import check
from rocketchat_contract.judge.context import Judging
from rocketchat_contract.judge.expectations import judge_expectation
from rocketchat_contract.judge.verdicts import Judgement, Verdict

PROGRESS_FIELDS = ("key", "name", "step", "count")


def sent(observations: Mapping[str, Observation]) -> list[Exchange]:
    return [o for o in observations.values() if isinstance(o, Exchange)]


def leaked_fields(exchange: Exchange) -> list[str]:
    """The progress fields an error response carries: the one rule for leaks, for probes and generated requests."""
    if exchange.status is None or exchange.status < 400:
        return []
    body = exchange.json()
    return [f for f in PROGRESS_FIELDS if isinstance(body, dict) and f in body]


# -- the success clauses: on the privileged probe's 200 ---------------------------------------------------


def success(judge: Judging, clause: Clause, observations: Mapping[str, Observation]) -> Exchange | Judgement:
    """Return the 200 of the privileged probe, or the judgement that explains its absence."""
    observation = observations.get("privileged")
    if observation is None or isinstance(observation, Unavailable):
        reason = observation.reason if isinstance(observation, Unavailable) else "the privileged probe was not run"
        return Judgement(clause.id, None, Verdict.NOT_VERIFIED, reason)
    if observation.larger_than is not None:
        reason = f"the body is larger than {observation.larger_than} bytes, not read whole; see success.response"
        return Judgement(clause.id, None, Verdict.NOT_VERIFIED, reason, None, [observation])
    if observation.status != 200:
        upstream = judge_expectation(judge, judge.contract.clause("success.response"), "privileged", observation)
        reason = (
            upstream.detail
            if upstream.verdict is Verdict.NOT_VERIFIED
            else f"no 200 to examine ({observation.summary(judge.redactor, 120)}); see success.response"
        )
        return Judgement(clause.id, None, Verdict.NOT_VERIFIED, reason, upstream.drift, [observation])
    return observation


def _progress(
    judge: Judging, clause: Clause, observations: Mapping[str, Observation]
) -> tuple[Exchange, Any] | Judgement:
    found = success(judge, clause, observations)
    if isinstance(found, Judgement):
        return found
    body = found.json()
    if not isinstance(body, dict):
        return judge.verdict(clause, None, Verdict.VIOLATION, "the 200 body is not a JSON object", found)
    return found, body


@check("content-type")
def content_type(judge: Judging, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
    found = success(judge, clause, observations)
    if isinstance(found, Judgement):
        return found
    if found.media_type == "application/json":
        return judge.verdict(clause, None, Verdict.CONFORMS, f"Content-Type: {found.content_type}", found)
    return judge.verdict(
        clause,
        None,
        Verdict.VIOLATION,
        f"expected Content-Type application/json, got {found.content_type or 'none'}",
        found,
    )


@check("step-set")
def step_set(judge: Judging, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
    found = _progress(judge, clause, observations)
    if isinstance(found, Judgement):
        return found
    exchange, body = found
    set_name = judge.eras.step_set(judge.placement.judged_as)
    ref = f"observed/progress-step.schema.json#/$defs/{set_name}"
    if "step" not in body:
        return judge.verdict(clause, None, Verdict.VIOLATION, "the 200 body has no step field", exchange)
    step = body["step"]
    if judge.schemas.is_valid(ref, step):
        return judge.verdict(
            clause, None, Verdict.CONFORMS, f"step {json.dumps(step)} is in the {set_name} set", exchange
        )
    allowed = ", ".join(judge.schemas.enum(ref))
    return judge.verdict(
        clause,
        None,
        Verdict.VIOLATION,
        f"step {json.dumps(step)} is not a ProgressStep of Rocket.Chat {judge.placement.judged_as} "
        f"({set_name}: {allowed})",
        exchange,
    )


@check("counts")
def counts(judge: Judging, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
    found = _progress(judge, clause, observations)
    if isinstance(found, Judgement):
        return found
    exchange, body = found
    count = body.get("count")
    completed = count.get("completed") if isinstance(count, dict) else None
    total = count.get("total") if isinstance(count, dict) else None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (completed, total)):
        return judge.verdict(
            clause,
            None,
            Verdict.VIOLATION,
            f"count.completed and count.total must be integers, got {json.dumps(count)}",
            exchange,
        )
    assert isinstance(completed, int) and isinstance(total, int)
    if 0 <= completed <= total:
        return judge.verdict(clause, None, Verdict.CONFORMS, f"0 <= {completed} <= {total}", exchange)
    return judge.verdict(
        clause,
        None,
        Verdict.VIOLATION,
        f"expected 0 <= completed <= total, got completed={completed}, total={total}",
        exchange,
    )


# -- error responses ---------------------------------------------------------------------------------------


def _unread(errors: list[Exchange]) -> str:
    """The note on error answers left out for a body past the cap (each a violation of its probe's clause)."""
    cut = sum(e.larger_than is not None for e in errors)
    return f" ({cut} more with a body larger than the cap, not read whole)" if cut else ""


@check("no-leak")
def no_leak(judge: Judging, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
    answered = [e for e in sent(observations) if e.status is not None and e.status >= 400]
    errors = [e for e in answered if e.larger_than is None]
    leaks = [(e, fields) for e in errors if (fields := leaked_fields(e))]
    if leaks:
        detail = "; ".join(f"{e.probe} ({e.status}) carries {', '.join(f)}" for e, f in leaks)
        return judge.verdict(
            clause, None, Verdict.VIOLATION, f"progress data in error responses: {detail}", *[e for e, _ in leaks]
        )
    if not errors:
        return Judgement(clause.id, None, Verdict.NOT_VERIFIED, f"no error response was observed{_unread(answered)}")
    detail = f"{len(errors)} error responses, none with progress fields{_unread(answered)}"
    return judge.verdict(clause, None, Verdict.CONFORMS, detail, *errors)


@check("json-errors")
def json_errors(judge: Judging, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
    answered = [
        e
        for e in sent(observations)
        if e.status is not None and e.status >= 400 and e.status != 431 and front_end_refusal(e, e.probe) is None
    ]
    errors = [e for e in answered if e.larger_than is None]
    bad = [e for e in errors if e.media_type != "application/json" or not e.is_json]
    if bad:
        detail = "; ".join(f"{e.probe}: {e.status} [{e.content_type or 'no Content-Type'}]" for e in bad)
        return judge.verdict(clause, None, Verdict.VIOLATION, f"error responses that are not JSON: {detail}", *bad)
    if not errors:
        return Judgement(clause.id, None, Verdict.NOT_VERIFIED, f"no error response was observed{_unread(answered)}")
    detail = f"{len(errors)} error responses, all JSON{_unread(answered)}"
    return judge.verdict(clause, None, Verdict.CONFORMS, detail, *errors)


@check("no-server-error")
def no_server_error(judge: Judging, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
    exchanges = sent(observations)
    bad = [e for e in exchanges if e.error or (e.status is not None and e.status >= 500)]
    if bad:
        detail = "; ".join(f"{e.probe}: {e.error or e.status}" for e in bad)
        return judge.verdict(clause, None, Verdict.VIOLATION, f"server errors or no response: {detail}", *bad)
    if not exchanges:
        return Judgement(clause.id, None, Verdict.NOT_VERIFIED, "no request was sent")
    return judge.verdict(clause, None, Verdict.CONFORMS, f"{len(exchanges)} requests, no 5xx", *exchanges)


# -- method and presence ------------------------------------------------------------------------------------


@check("method-refused")
def method_refused(judge: Judging, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
    observation = observations.get("post-method")
    if not isinstance(observation, Exchange):
        reason = observation.reason if isinstance(observation, Unavailable) else "the POST probe was not run"
        return Judgement(clause.id, "post-method", Verdict.NOT_VERIFIED, reason)
    if observation.status is not None and 400 <= observation.status < 500:
        return judge.verdict(
            clause, "post-method", Verdict.CONFORMS, f"POST refused with {observation.status}", observation
        )
    return judge.verdict(
        clause,
        "post-method",
        Verdict.VIOLATION,
        f"expected POST to be refused with a 4xx (405 or 404), got {observation.summary(judge.redactor, 200)}",
        observation,
    )


@check("endpoint-presence")
def endpoint_presence(judge: Judging, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
    """Judged on the privileged GET, or on any GET when the run has no privileged account."""
    observation = observations.get("privileged")
    if not isinstance(observation, Exchange):
        observation = next(iter(sent(observations)), None)
    if observation is None or observation.status is None:
        return Judgement(clause.id, None, Verdict.NOT_VERIFIED, "no GET request reached the server")
    # Restivus-era servers answer an unknown /api/v1 path with the Meteor web page (200 text/html).
    # A body past the cap was not read whole: its Content-Type says whether it is the endpoint's JSON.
    served_json = (
        observation.media_type == "application/json" if observation.larger_than is not None else observation.is_json
    )
    absent = observation.status == 404 or not served_json
    version = judge.placement.reported
    media = observation.media_type or "without Content-Type"
    how = f"{observation.status} {media}"
    if judge.placement.endpoint_expected:
        if absent:
            detail = (
                f"GET answered {how}: the endpoint is missing on {version}"
                if observation.status == 404
                else f"GET answered a {observation.status} that is not JSON ({media}), where {version} sends "
                "the endpoint's JSON (a Restivus-era server serves its web page for a path it does not know; a "
                "front end may also answer in its place)"
            )
            return judge.verdict(clause, None, Verdict.VIOLATION, detail, observation)
        return judge.verdict(clause, None, Verdict.CONFORMS, f"present on {version}", observation)
    if absent:
        return judge.verdict(
            clause, None, Verdict.CONFORMS, f"absent on {version} ({how}), as documented (added in 3.0.0)", observation
        )
    return judge.verdict(
        clause,
        None,
        Verdict.VIOLATION,
        f"the server reports {version} (before 3.0.0) yet serves the endpoint ({observation.status})",
        observation,
    )

