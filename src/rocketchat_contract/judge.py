"""Turn observed exchanges into a verdict per clause, version-aware through the drift registry."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .contract import Clause, Contract, DriftEntry
from .explain import describe_mismatch
from .http import NOT_JSON, Exchange
from .redact import Redactor
from .schemas import SchemaStore
from .verdicts import Judgement, Verdict
from .versions import Eras, Placement

PROGRESS_FIELDS = ("key", "name", "step", "count")
PRIVILEGED_GENERATED = "schemathesis privileged"
"""How a generated request that carried the privileged pair is named (the others: ``schemathesis``)."""


class Unavailable:
    """A probe that could not be sent, and what would let it be sent."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


Observation = Exchange | Unavailable


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
        self._checks: dict[str, Callable[[Clause, Mapping[str, Observation]], Judgement]] = {
            "content-type": self._content_type,
            "step-set": self._step_set,
            "counts": self._counts,
            "no-leak": self._no_leak,
            "json-errors": self._json_errors,
            "no-server-error": self._no_server_error,
            "method-refused": self._method_refused,
            "endpoint-presence": self._endpoint_presence,
            "generated-responses": self._generated_responses,
            "hostile-credentials": self._hostile_credentials,
        }

    def judge(self, clause_id: str, observations: Mapping[str, Observation], probe: str | None = None) -> Judgement:
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
            return self._expectation(clause, probe, observations.get(probe))
        assert clause.check is not None
        return self._checks[clause.check](clause, observations)

    # -- clauses with a documented status and body -------------------------------------------------

    def _expectation(self, clause: Clause, probe: str, observation: Observation | None) -> Judgement:
        assert clause.expect is not None
        if observation is None:
            return Judgement(clause.id, probe, Verdict.NOT_VERIFIED, f"probe {probe} was not run")
        if isinstance(observation, Unavailable):
            return Judgement(clause.id, probe, Verdict.NOT_VERIFIED, observation.reason)
        exchange = observation
        if exchange.error:
            return self._verdict(clause, probe, Verdict.VIOLATION, f"no response: {exchange.error}", exchange)
        if exchange.status == 431:
            return self._verdict(
                clause,
                probe,
                Verdict.NOT_VERIFIED,
                "the server refused the request's header block as too large (431) before authentication "
                "ran; its HTTP front end limits header size",
                exchange,
            )
        body = exchange.json()
        if exchange.status == clause.expect.status and body is not NOT_JSON:
            problem = self.schemas.problem(clause.expect.schema, body)
            if problem is None:
                return self._verdict(
                    clause,
                    probe,
                    Verdict.CONFORMS,
                    f"{exchange.status} with the documented body ({clause.expect.schema})",
                    exchange,
                )
        for entry in self.contract.drift_for(clause.id, self.placement.judged_as):
            if (
                exchange.status == entry.instead.status
                and body is not NOT_JSON
                and self.schemas.is_valid(entry.instead.schema, body)
            ):
                return self._drift(clause, probe, entry, exchange)
        return self._verdict(clause, probe, Verdict.VIOLATION, self._diff(clause, exchange), exchange)

    def _drift(self, clause: Clause, probe: str, entry: DriftEntry, exchange: Exchange) -> Judgement:
        if entry.outcome == "not-verified":
            detail = f"{entry.summary} ({exchange.status}, drift entry {entry.id}). To verify: {entry.remedy}."
            return Judgement(clause.id, probe, Verdict.NOT_VERIFIED, self.redactor.text(detail), entry, [exchange])
        detail = f"known drift {entry.id} for Rocket.Chat {entry.versions}: {entry.summary} [source: {entry.source}]"
        return Judgement(clause.id, probe, Verdict.KNOWN_DRIFT, self.redactor.text(detail), entry, [exchange])

    def _diff(self, clause: Clause, exchange: Exchange) -> str:
        assert clause.expect is not None
        known = self.contract.drift_for(clause.id, self.placement.judged_as)
        accepted = [(entry.instead.status, entry.instead.schema) for entry in known]
        lines = [
            describe_mismatch(clause.expect.status, clause.expect.schema, exchange, accepted, self.schemas),
            f"  expected (documented): {clause.expect.status} with body matching {clause.expect.schema}",
        ]
        body = exchange.json()
        if exchange.status == clause.expect.status and body is not NOT_JSON:
            lines.append(f"    mismatch: {self.schemas.problem(clause.expect.schema, body)}")
        for entry in known:
            lines.append(
                f"  also accepted for {self.placement.judged_as} (drift {entry.id}): "
                f"{entry.instead.status} with body matching {entry.instead.schema}"
            )
            if exchange.status == entry.instead.status and body is not NOT_JSON:
                lines.append(f"    mismatch: {self.schemas.problem(entry.instead.schema, body)}")
        if not known:
            lines.append(f"  no known drift covers Rocket.Chat {self.placement.judged_as} for this clause")
        lines.append(f"  actual: {exchange.summary(self.redactor)}")
        return "\n".join(lines)

    def _verdict(
        self, clause: Clause, probe: str | None, verdict: Verdict, detail: str, *evidence: Exchange
    ) -> Judgement:
        return Judgement(clause.id, probe, verdict, self.redactor.text(detail), None, list(evidence))

    # -- clauses with a check of their own ---------------------------------------------------------

    def _success(self, clause: Clause, observations: Mapping[str, Observation]) -> Exchange | Judgement:
        """Return the 200 of the privileged probe, or the judgement that explains its absence."""
        observation = observations.get("privileged")
        if observation is None or isinstance(observation, Unavailable):
            reason = observation.reason if isinstance(observation, Unavailable) else "the privileged probe was not run"
            return Judgement(clause.id, None, Verdict.NOT_VERIFIED, reason)
        if observation.status != 200:
            upstream = self._expectation(self.contract.clause("success.response"), "privileged", observation)
            reason = (
                upstream.detail
                if upstream.verdict is Verdict.NOT_VERIFIED
                else f"no 200 to examine ({observation.summary(self.redactor, 120)}); see success.response"
            )
            return Judgement(clause.id, None, Verdict.NOT_VERIFIED, reason, upstream.drift, [observation])
        return observation

    def _content_type(self, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
        found = self._success(clause, observations)
        if isinstance(found, Judgement):
            return found
        if found.media_type == "application/json":
            return self._verdict(clause, None, Verdict.CONFORMS, f"Content-Type: {found.content_type}", found)
        return self._verdict(
            clause,
            None,
            Verdict.VIOLATION,
            f"expected Content-Type application/json, got {found.content_type or 'none'}",
            found,
        )

    def _progress(self, clause: Clause, observations: Mapping[str, Observation]) -> tuple[Exchange, Any] | Judgement:
        found = self._success(clause, observations)
        if isinstance(found, Judgement):
            return found
        body = found.json()
        if not isinstance(body, dict):
            return self._verdict(clause, None, Verdict.VIOLATION, "the 200 body is not a JSON object", found)
        return found, body

    def _step_set(self, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
        found = self._progress(clause, observations)
        if isinstance(found, Judgement):
            return found
        exchange, body = found
        set_name = self.eras.step_set(self.placement.judged_as)
        ref = f"observed/progress-step.schema.json#/$defs/{set_name}"
        step = body.get("step")
        if self.schemas.is_valid(ref, step):
            return self._verdict(clause, None, Verdict.CONFORMS, f"step {step!r} is in the {set_name} set", exchange)
        allowed = ", ".join(self.schemas.enum(ref))
        return self._verdict(
            clause,
            None,
            Verdict.VIOLATION,
            f"step {json.dumps(step)} is not a ProgressStep of Rocket.Chat {self.placement.judged_as} "
            f"({set_name}: {allowed})",
            exchange,
        )

    def _counts(self, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
        found = self._progress(clause, observations)
        if isinstance(found, Judgement):
            return found
        exchange, body = found
        count = body.get("count")
        completed = count.get("completed") if isinstance(count, dict) else None
        total = count.get("total") if isinstance(count, dict) else None
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (completed, total)):
            return self._verdict(
                clause,
                None,
                Verdict.VIOLATION,
                f"count.completed and count.total must be integers, got {json.dumps(count)}",
                exchange,
            )
        assert isinstance(completed, int) and isinstance(total, int)
        if 0 <= completed <= total:
            return self._verdict(clause, None, Verdict.CONFORMS, f"0 <= {completed} <= {total}", exchange)
        return self._verdict(
            clause,
            None,
            Verdict.VIOLATION,
            f"expected 0 <= completed <= total, got completed={completed}, total={total}",
            exchange,
        )

    def _sent(self, observations: Mapping[str, Observation], get_only: bool = False) -> list[Exchange]:
        return [o for o in observations.values() if isinstance(o, Exchange) and not (get_only and o.method != "GET")]

    def _no_leak(self, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
        errors = [e for e in self._sent(observations) if e.status is not None and e.status >= 400]
        leaks = []
        for exchange in errors:
            body = exchange.json()
            if isinstance(body, dict) and (fields := [f for f in PROGRESS_FIELDS if f in body]):
                leaks.append((exchange, fields))
        if leaks:
            detail = "; ".join(f"{e.probe} ({e.status}) carries {', '.join(f)}" for e, f in leaks)
            return self._verdict(
                clause, None, Verdict.VIOLATION, f"progress data in error responses: {detail}", *[e for e, _ in leaks]
            )
        if not errors:
            return Judgement(clause.id, None, Verdict.NOT_VERIFIED, "no error response was observed")
        return self._verdict(
            clause, None, Verdict.CONFORMS, f"{len(errors)} error responses, none with progress fields"
        )

    def _json_errors(self, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
        errors = [
            e
            for e in self._sent(observations, get_only=True)
            if e.status is not None and e.status >= 400 and e.status != 431
        ]
        bad = [e for e in errors if e.media_type != "application/json" or not e.is_json]
        if bad:
            detail = "; ".join(f"{e.probe}: {e.status} [{e.content_type or 'no Content-Type'}]" for e in bad)
            return self._verdict(clause, None, Verdict.VIOLATION, f"error responses that are not JSON: {detail}", *bad)
        if not errors:
            return Judgement(clause.id, None, Verdict.NOT_VERIFIED, "no error response was observed")
        return self._verdict(clause, None, Verdict.CONFORMS, f"{len(errors)} error responses, all JSON")

    def _no_server_error(self, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
        sent = self._sent(observations)
        bad = [e for e in sent if e.error or (e.status is not None and e.status >= 500)]
        if bad:
            detail = "; ".join(f"{e.probe}: {e.error or e.status}" for e in bad)
            return self._verdict(clause, None, Verdict.VIOLATION, f"server errors or no response: {detail}", *bad)
        if not sent:
            return Judgement(clause.id, None, Verdict.NOT_VERIFIED, "no request was sent")
        return self._verdict(clause, None, Verdict.CONFORMS, f"{len(sent)} requests, no 5xx")

    def _method_refused(self, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
        observation = observations.get("post-method")
        if not isinstance(observation, Exchange):
            reason = observation.reason if isinstance(observation, Unavailable) else "the POST probe was not run"
            return Judgement(clause.id, "post-method", Verdict.NOT_VERIFIED, reason)
        if observation.status is not None and 400 <= observation.status < 500:
            return self._verdict(
                clause, "post-method", Verdict.CONFORMS, f"POST refused with {observation.status}", observation
            )
        return self._verdict(
            clause,
            "post-method",
            Verdict.VIOLATION,
            f"expected POST to be refused with a 4xx (405 or 404), got {observation.summary(self.redactor, 200)}",
            observation,
        )

    def _endpoint_presence(self, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
        observation = observations.get("privileged")
        if not isinstance(observation, Exchange):
            observation = next(iter(self._sent(observations, get_only=True)), None)
        if not isinstance(observation, Exchange) or observation.status is None:
            return Judgement(clause.id, None, Verdict.NOT_VERIFIED, "no GET request reached the server")
        # Restivus-era servers answer an unknown /api/v1 path with the Meteor web page (200 text/html).
        absent = observation.status == 404 or not observation.is_json
        version = self.placement.reported
        how = f"{observation.status} {observation.media_type or 'without Content-Type'}"
        if self.placement.endpoint_expected:
            if absent:
                return self._verdict(
                    clause,
                    None,
                    Verdict.VIOLATION,
                    f"GET answered {how}: the endpoint is missing on {version}",
                    observation,
                )
            return self._verdict(clause, None, Verdict.CONFORMS, f"present on {version}", observation)
        if absent:
            return self._verdict(
                clause,
                None,
                Verdict.CONFORMS,
                f"absent on {version} ({how}), as documented (added in 3.0.0)",
                observation,
            )
        return self._verdict(
            clause,
            None,
            Verdict.VIOLATION,
            f"the server reports {version} (before 3.0.0) yet serves the endpoint ({observation.status})",
            observation,
        )

    # -- generated requests (tests/test_generated.py) ----------------------------------------------

    def _generated(
        self, clause: Clause, observations: Mapping[str, Observation], one: Callable[[Exchange], Judgement]
    ) -> Judgement:
        """Judge every generated exchange on its own; the clause gets the worst, with the offenders as evidence."""
        sent = self._sent(observations)
        if not sent:
            return Judgement(clause.id, None, Verdict.NOT_VERIFIED, "no generated request was sent")
        judged = [(exchange, one(exchange)) for exchange in sent]
        bad = [(e, j) for e, j in judged if j.verdict is Verdict.VIOLATION]
        if bad:
            shown = "\n".join(f"- {j.detail}" for _, j in bad[:5])
            more = f"\n(and {len(bad) - 5} more)" if len(bad) > 5 else ""
            return self._verdict(
                clause,
                None,
                Verdict.VIOLATION,
                f"{len(bad)} of {len(sent)} generated requests got an answer the contract does not accept for "
                f"Rocket.Chat {self.placement.judged_as}:\n{shown}{more}",
                *[e for e, _ in bad[:5]],
            )
        drift = sorted({j.drift.id for _, j in judged if j.drift})
        how = f"; known drift: {', '.join(drift)}" if drift else ""
        return self._verdict(
            clause,
            None,
            Verdict.CONFORMS,
            f"{len(sent)} generated requests, every answer documented or accepted for "
            f"Rocket.Chat {self.placement.judged_as}{how}",
        )

    def _leak(self, clause: Clause, exchange: Exchange) -> Judgement | None:
        body = exchange.json()
        fields = [f for f in PROGRESS_FIELDS if isinstance(body, dict) and f in body]
        if exchange.status is not None and exchange.status >= 400 and fields:
            return self._verdict(
                clause,
                exchange.probe,
                Verdict.VIOLATION,
                f"{exchange.status} carries progress data ({', '.join(fields)}): "
                f"{exchange.summary(self.redactor, 160)}",
                exchange,
            )
        return None

    def _broken(self, clause: Clause, exchange: Exchange) -> Judgement | None:
        if exchange.error or (exchange.status is not None and exchange.status >= 500):
            return self._verdict(
                clause, exchange.probe, Verdict.VIOLATION, f"{exchange.summary(self.redactor, 160)}", exchange
            )
        return self._leak(clause, exchange)

    def _as(self, clause_id: str, exchange: Exchange, clause: Clause) -> Judgement:
        """Judge one exchange as the documented clause its status belongs to, reworded for the generated clause."""
        judged = self._expectation(self.contract.clause(clause_id), exchange.probe, exchange)
        if judged.verdict is Verdict.VIOLATION:
            summary = exchange.summary(self.redactor, 160)
            detail = f"{exchange.probe}: judged as {clause_id}: {summary}"
            return self._verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
        return Judgement(clause.id, exchange.probe, judged.verdict, judged.detail, judged.drift, [exchange])

    def _generated_one(self, clause: Clause, exchange: Exchange) -> Judgement:
        """A schemathesis answer: by method, by whether it carried the privileged pair, then by status."""
        if (broken := self._broken(clause, exchange)) is not None:
            return broken
        status = exchange.status
        if exchange.method in ("OPTIONS", "HEAD"):
            return self._verdict(clause, exchange.probe, Verdict.CONFORMS, f"{exchange.method} answered {status}")
        if exchange.method != "GET":
            if status is not None and 400 <= status < 500:
                return self._verdict(clause, exchange.probe, Verdict.CONFORMS, f"{exchange.method} refused")
            detail = f"{exchange.method} should be refused with a 4xx: {exchange.summary(self.redactor, 160)}"
            return self._verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
        if not exchange.probe.startswith(PRIVILEGED_GENERATED):
            if status == 401:
                return self._as("auth.missing", exchange, clause)
            detail = f"a request without the privileged pair should get 401: {exchange.summary(self.redactor, 160)}"
            return self._verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
        if status == 200:
            for clause_id in ("success.response", "success.content-type", "success.step", "success.counts"):
                judged = self.judge(clause_id, {"privileged": exchange}, "privileged")
                if judged.verdict is Verdict.VIOLATION:
                    detail = f"{exchange.probe}: judged as {clause_id}: {judged.detail}"
                    return self._verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
            return self._verdict(clause, exchange.probe, Verdict.CONFORMS, "200 with the progress", exchange)
        return self._as("success.response", exchange, clause)

    def _generated_responses(self, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
        return self._generated(clause, observations, lambda e: self._generated_one(clause, e))

    def _hostile_one(self, clause: Clause, exchange: Exchange) -> Judgement:
        if (broken := self._broken(clause, exchange)) is not None:
            return broken
        limits = sorted(k for k in exchange.response_headers if k.lower().startswith("x-ratelimit"))
        if limits:
            detail = f"{exchange.probe}: a refused request counted against a rate limit ({', '.join(limits)})"
            return self._verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
        if exchange.status == 431:
            return self._verdict(clause, exchange.probe, Verdict.NOT_VERIFIED, "header block refused as too large")
        if exchange.status != 401:
            detail = f"{exchange.probe}: expected 401, got {exchange.summary(self.redactor, 160)}"
            return self._verdict(clause, exchange.probe, Verdict.VIOLATION, detail, exchange)
        return self._as("auth.invalid", exchange, clause)

    def _hostile_credentials(self, clause: Clause, observations: Mapping[str, Observation]) -> Judgement:
        return self._generated(clause, observations, lambda e: self._hostile_one(clause, e))
