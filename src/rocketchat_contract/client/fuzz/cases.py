"""schemathesis cases from the OpenAPI fragment: drawn with the run's seed, sent through the run's HTTP client,
checked with schemathesis's own checks, and recorded for the Judge.

The base URL is the run's, so a server under a sub-path (``https://host/chat``) gets ``/chat/api/v1/...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import schemathesis
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.checks import load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core import NOT_SET
from schemathesis.errors import FailureGroup
from schemathesis.generation import GenerationMode

from rocketchat_contract.client.fuzz.cache import CaseData
from rocketchat_contract.client.fuzz.config import CHECKS, COVERED_BY_PROBES, UNEXPECTED_METHODS, Fuzz
from rocketchat_contract.client.fuzz.draw import draw
from rocketchat_contract.client.fuzz.exchange import PRIVILEGED_GENERATED, GeneratedExchange
from rocketchat_contract.client.http import Client
from rocketchat_contract.client.redact import display_url
from rocketchat_contract.contract.fragment import FRAGMENT, run_document

CREDENTIAL_HEADERS = ("X-User-Id", "X-Auth-Token")
Headers = dict[str, str | bytes]


def load_schema(fuzz: Fuzz, extra_drift: tuple[str, ...] = (), fragment: dict[str, Any] | None = None) -> Any:
    """The fragment as a schemathesis schema, configured here rather than by a discovered schemathesis.toml.

    Its undocumented responses come from the drift registry plus the run's --extra-drift entries, so
    schemathesis's response_schema_conformance accepts exactly what the Judge accepts. ``fragment`` is that
    document when the caller has it already (``run_document``)."""
    config = SchemathesisConfig()
    config.update(seed=fuzz.seed, max_failures=None)
    config.projects.default.checks.update(included_check_names=list(CHECKS))
    loaded = schemathesis.openapi.from_dict(fragment or run_document(extra_drift), config=config)
    loaded.location = FRAGMENT.absolute().as_uri()  # its relative $refs resolve from the file
    return loaded


def draw_cases(fuzz: Fuzz, extra_drift: tuple[str, ...] = (), schema: Any = None) -> list[Any]:
    """Positive and negative cases of every operation (negative ones leave out required headers), and the
    unexpected methods (of ``schema``, else of the fragment loaded afresh)."""
    schema = schema if schema is not None else load_schema(fuzz, extra_drift)
    cases: list[Any] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        # One Hypothesis run draws both kinds: each run of the engine has a fixed cost.
        kinds = st.tuples(*(operation.as_strategy(generation_mode=mode) for mode in GenerationMode))
        cases += [case for pair in draw(kinds, examples=fuzz.examples, seed_value=fuzz.seed) for case in pair]
        for header in CREDENTIAL_HEADERS:
            others = {name: "x" for name in CREDENTIAL_HEADERS if name != header}
            cases.append(operation.Case(headers=others))
        both = dict.fromkeys(CREDENTIAL_HEADERS, "x")
        cases += [operation.Case(method=method, headers=both) for method in UNEXPECTED_METHODS]
    return cases


def kept_cases(cases: list[Any]) -> list[CaseData] | None:
    """The cases as a cache file keeps them, or None when one carries more than headers (a query, cookies, path
    parameters or a body: the project's fragment has none, and such a draw is drawn every run)."""
    kept = []
    for case in cases:
        headers = list((case.headers or {}).items())
        plain = all(isinstance(name, str) and isinstance(value, str) for name, value in headers)
        extra = case.query or case.cookies or case.path_parameters or case.media_type or case.multipart_content_types
        if extra or case.body is not NOT_SET or not plain:
            return None
        kept.append(CaseData(case.operation.label, case.method, tuple(headers)))
    return kept


def cases_from(schema: Any, kept: list[CaseData]) -> list[Any] | None:
    """The cases a cache file keeps, made again on ``schema``'s operations (schemathesis's ``APIOperation.Case``
    for cases of given data), or None when one names an operation the schema lacks."""
    operations = {operation.label: operation for operation in (r.ok() for r in schema.get_all_operations())}
    if any(case.operation not in operations for case in kept):
        return None
    return [operations[c.operation].Case(method=c.method, headers=dict(c.headers)) for c in kept]


def check_functions() -> list[Any]:
    load_all_checks()
    return list(REGISTERED_CHECKS.get_by_names([name for name in CHECKS if name not in COVERED_BY_PROBES]))


def credentials_for(case_headers: Mapping[str, Any] | None, privileged: Headers) -> Headers:
    """The privileged values of the credential headers a case carries (a missing one stays missing)."""
    present = {name.lower() for name in (case_headers or {})}
    return {name: value for name, value in privileged.items() if name.lower() in present}


def send_case(case: Any, client: Client, privileged: Headers, checks: list[Any]) -> GeneratedExchange:
    """Send one case through the run's connection pool, with its credentials replaced by the privileged ones."""
    headers = {"User-Agent": "rocketchat-contract", **credentials_for(case.headers, privileged)}
    carries_privileged = bool(privileged) and all(name in headers for name in privileged)
    path = case.formatted_path if hasattr(case, "formatted_path") else case.path
    name = f"{PRIVILEGED_GENERATED if carries_privileged else 'schemathesis'} {case.method} {path}"
    session = client.pooled_session()
    wire = urlsplit(client.url(path)).path  # the evidence shows what was sent: /chat/api/... under a sub-path
    exchange = GeneratedExchange(
        probe=name,
        method=case.method,
        path=wire,
        request_headers=dict(headers),
        privileged=carries_privileged,
        url=display_url(client.url(path)),
    )
    try:
        # One budget for the call, schemathesis's own resending of a dropped request included.
        with client.budget() as spent:
            response = case.call(
                base_url=client.base_url,
                session=session,
                headers=headers,
                timeout=client.timeout,
                verify=client.verify,
                allow_redirects=False,
            )
    except requests.RequestException as exc:
        exchange.error = client.describe(exc)
        return exchange
    sent = response.request
    exchange.request_headers = {k: v for k, v in sent.headers.items() if k.lower() not in ("content-length",)}
    exchange.status = response.status_code
    exchange.response_headers = CaseInsensitiveDict({key: ", ".join(v) for key, v in response.headers.items()})
    exchange.body_text = response.content.decode("utf-8", "replace")
    exchange.larger_than = spent.larger_than
    exchange.elapsed = response.elapsed
    if case.method == "GET" and exchange.larger_than is None:  # a cut body is judged as such, not parsed
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as failed:
            exchange.check_failure = "; ".join(_one_line(f) for f in failed.exceptions)
    return exchange


def _one_line(failure: BaseException) -> str:
    """A schemathesis failure as one line: its title and the first line of its message."""
    title = str(getattr(failure, "title", type(failure).__name__))
    message = str(getattr(failure, "message", failure)).strip().splitlines()
    return f"{title} ({message[0]})" if message else title
