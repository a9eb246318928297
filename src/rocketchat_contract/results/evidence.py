"""Exchanges as report evidence complete enough to judge again, and the observations rebuilt from it.

A report keeps, for every exchange, the absolute URL it was sent to (its userinfo masked) and what the judge
reads of it: status, the Content-Type and rate-limit headers, the body (redacted; a non-JSON body up to
``TEXT_CAP`` characters, with the length and hash of the whole; a body past the cap with ``larger_than``, the cap,
and the length and hash of what was read; a JSON body that is not I-JSON, which has no canonical form, as its whole
text), the tries, whether the request carried input a front end may refuse (``input``), and for a generated request
whether it carried the privileged pair and what schemathesis's checks found. A probe that could not be sent keeps
its reason. ``rebuild`` turns that back into the observations the judge takes.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import rfc8785

from rocketchat_contract.client.frontend import hostile_input
from rocketchat_contract.client.fuzz.exchange import GeneratedExchange
from rocketchat_contract.client.http import NOT_JSON, Exchange
from rocketchat_contract.client.observations import Observation, Unavailable
from rocketchat_contract.client.redact import MASK, Redactor, without_userinfo

TEXT_CAP = 2000
"""Characters of a non-JSON body a report keeps (Exchange.evidence); beyond it, its length and sha256."""


class EvidenceError(ValueError):
    """Evidence that cannot be turned back into an observation; the message says which and why."""


def observation_data(observation: Observation, redactor: Redactor) -> dict[str, Any]:
    """One observation as report evidence, redacted: an exchange, or the reason a probe was not sent."""
    if isinstance(observation, Unavailable):
        return {"unavailable": redactor.text(observation.reason)}
    return exchange_data(observation, redactor)


def exchange_data(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    """``Exchange.evidence`` plus what the judge reads beyond it; a rebuilt exchange gives back its record."""
    if isinstance(exchange, (RecordedExchange, RecordedGenerated)):
        copied: dict[str, Any] = json.loads(json.dumps(exchange.recorded))
        if isinstance(exchange, RecordedGenerated):  # the failures that held under the registry it was judged with
            copied["generated"]["check_failure"] = exchange.check_failure
        return copied
    data = exchange.evidence(redactor)
    data["request"]["url"] = masked_url(exchange.url)
    data["attempts"] = exchange.attempts
    data["input"] = hostile_input(exchange.request_headers)
    if data["response"] is not None:
        text = exchange.json() is NOT_JSON
        if not text and not _i_json(data["response"]["body"]):
            data["response"]["body"] = redactor.text(exchange.body_text)  # parsed again, it is what was judged
            data["response"]["format"] = "text"
        elif text and (len(exchange.body_text) > TEXT_CAP or exchange.larger_than is not None):
            whole = redactor.text(exchange.body_text)
            data["response"]["length"] = len(whole)
            data["response"]["sha256"] = hashlib.sha256(whole.encode("utf-8", "surrogatepass")).hexdigest()
        data["response"].setdefault("format", "text" if text else "json")
        if exchange.larger_than is not None:
            data["response"]["larger_than"] = exchange.larger_than
    if isinstance(exchange, GeneratedExchange):
        failure = exchange.check_failure
        data["generated"] = {
            "privileged": exchange.privileged,
            "check_failure": None if failure is None else redactor.text(failure),
        }
    return data


def masked_url(url: str) -> str:
    """A URL as evidence keeps it: its whole userinfo (``user:password@``) masked."""
    return without_userinfo(url, f"{MASK}@")


def _i_json(value: Any) -> bool:
    """Whether a parsed body is I-JSON (RFC 7493): no lone surrogate, no number beyond a double's exact range."""
    try:
        rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        return False
    return True


@dataclass
class RecordedExchange(Exchange):
    """An exchange rebuilt from a report; its evidence is the record it came from."""

    recorded: dict[str, Any] = field(default_factory=dict)

    def evidence(self, redactor: Redactor) -> dict[str, Any]:
        return dict(self.recorded)


@dataclass
class RecordedGenerated(GeneratedExchange):
    """A generated request's exchange rebuilt from a report; its evidence is the record it came from."""

    recorded: dict[str, Any] = field(default_factory=dict)

    def evidence(self, redactor: Redactor) -> dict[str, Any]:
        return dict(self.recorded)


REGISTRY_CHECKS = ("Undocumented status code", "Response violates schema", "Undocumented Content-Type")
"""Titles of schemathesis failures found against the fragment's documented answers, which the drift registry
extends: under another registry they no longer hold, and the judge's own rules for the answer (each judged as
its documented clause, with the drift registry) decide alone."""


def still_failing(check_failure: str | None, same_registry: bool) -> str | None:
    """The recorded schemathesis failures that hold under the registry of a re-judge."""
    if check_failure is None or same_registry:
        return check_failure
    kept = [part for part in re.split(r"; (?=[A-Z])", check_failure) if not part.startswith(REGISTRY_CHECKS)]
    return "; ".join(kept) or None


def rebuild(data: dict[str, Any], probe: str, *, same_registry: bool = True) -> Observation:
    """The observation a report's evidence records (``exchange_data`` / ``observation_data`` backwards);
    ``same_registry`` False when it is judged under another registry than the report's (``still_failing``)."""
    if "unavailable" in data:
        return Unavailable(str(data["unavailable"]))
    try:
        request, response = data["request"], data["response"]
        fields: dict[str, Any] = {
            "probe": data.get("probe", probe),
            "method": request["method"],
            "path": request["path"],
            "request_headers": request_headers(data.get("input"), list(request["headers"])),
            "request_body": request.get("body"),
            "attempts": int(data.get("attempts", 1)),
            "error": data.get("error"),
            "url": str(request.get("url", "")),
            "recorded": data,
        }
        if response is not None:
            body = response["body"]
            fields |= {
                "status": response["status"],
                "response_headers": dict(response["headers"]),
                "body_text": body if response.get("format") == "text" else json.dumps(body, ensure_ascii=False),
                "elapsed": response.get("elapsed_ms", 0) / 1000,
                "larger_than": response.get("larger_than"),
            }
    except (KeyError, TypeError, ValueError) as exc:
        raise EvidenceError(f"the evidence of {probe} is incomplete ({type(exc).__name__}: {exc})") from None
    if "generated" in data:
        generated = data["generated"]
        return RecordedGenerated(
            **fields,
            privileged=bool(generated.get("privileged")),
            check_failure=still_failing(generated.get("check_failure"), same_registry),
        )
    return RecordedExchange(**fields)


_INPUTS: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"an (?P<name>.+) of (?P<size>\d+) bytes"), lambda size: "a" * int(size)),
    (re.compile(r"non-ASCII bytes in (?P<name>.+)"), lambda: b"\xff"),
    (re.compile(r"a blank or control-character (?P<name>.+)"), lambda: ""),
    (re.compile(r"injection-like characters in (?P<name>.+)"), lambda: "$"),
)
_PLAIN = "recorded"
"""The value rebuilt request headers carry where the report keeps a redacted one: ordinary input."""


def request_headers(described: str | None, names: list[str]) -> dict[str, str | bytes]:
    """Request headers that a front end would judge as the recorded ones were (``input``): the report keeps
    header values redacted and shortened, so the judge gets values with the same description instead."""
    headers: dict[str, str | bytes] = {}
    if described is not None:
        for pattern, value in _INPUTS:
            if match := pattern.fullmatch(described):
                groups = match.groupdict()
                name = groups.pop("name")
                headers[name] = value(**groups)
                break
        else:
            raise EvidenceError(f"unknown description of a request's input: {described!r}")
    headers.update({name: _PLAIN for name in names if name not in headers})
    return headers
