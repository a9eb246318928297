"""Generated requests: schemathesis cases from the OpenAPI fragment and Hypothesis-drawn hostile credentials.

Both kinds are judged like the hand-written probes, by the project's Judge (so a 401 body must be the
documented one or one the drift registry accepts for the detected version). Restivus-era servers hold
every 401/403 back for 0.5-1 s, so nothing here is sent one request at a time: the requests a test is
going to send are drawn first (a dry pass of the same seeded Hypothesis test), sent together
(``Prefetch.send_all``), and each answer is handed to the one request it was sent for.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from .data import contracts_dir
from .http import Client, Exchange
from .judge import PRIVILEGED_GENERATED
from .probes import ENDPOINT, INJECTION, OVERLONG, ProbeContext
from .verdicts import Verdict

if TYPE_CHECKING:
    from .run import ContractRun

FRAGMENT = contracts_dir() / "getImportProgress.openapi.yaml"
SEED = 20_260_101
"""The fixed seed of every generated test (--fuzz-seed replaces it; a failure prints the one used)."""
DEFAULT_EXAMPLES = 5
BATCH = 8
"""Hostile header pairs per Hypothesis example, sent concurrently."""
MAX_PARALLEL = 64
CREDENTIAL_HEADERS = ("X-User-Id", "X-Auth-Token")
UNEXPECTED_METHODS = ("post", "put", "patch", "delete")


@dataclass
class Fuzz:
    """How much to generate and from which seed; the plugin sets it from --fuzz-examples / --fuzz-seed."""

    examples: int = DEFAULT_EXAMPLES
    seed: int = SEED

    def replay(self) -> str:
        return f"(generated with --fuzz-seed {self.seed} --fuzz-examples {self.examples}; pass both to replay this run)"


FUZZ = Fuzz()
"""Read when tests/test_generated.py is collected: schemathesis builds its Hypothesis test at collection."""


def configure(examples: int | None, seed: int | None) -> None:
    FUZZ.examples = DEFAULT_EXAMPLES if examples is None else examples
    FUZZ.seed = SEED if seed is None else seed


# The schemathesis checks, chosen to hold against every released server (pytest and schemathesis.toml).
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "ignored_auth",
    "missing_required_header",
)
EXCLUDED_CHECKS = {
    # Hono-era servers (7.4+) answer other methods with Hono's text 404, not 405 + Allow (Restivus).
    "unsupported_method": "Hono-era servers answer other methods 404 text/plain, not 405",
    "allow_header_conformance": "Hono answers OPTIONS 200 'OK' without Allow; Restivus answers 404",
    # Counts 403 as accepted and 400 as rejected: a fresh server's admin gets 400 operation-not-found.
    "positive_data_acceptance": "a privileged call on a server without an import answers 400 (documented drift)",
    # Only credentials vary; E1 ignores unknown query parameters, later eras answer 400 invalid-params.
    "negative_data_rejection": "no parameters besides the credentials; 3.x ignores unknown query parameters",
    "response_headers_conformance": "the fragment documents no response headers",
    "use_after_free": "stateful, not applicable to one GET",
    "ensure_resource_availability": "stateful, not applicable to one GET",
    "max_response_time": "Restivus delays every 401/403 by 0.5-1 s on purpose",
}

# Headers that do not change what the endpoint answers; left out of the key that matches a request to
# the answer sent ahead for it.
_VOLATILE = frozenset(
    {"user-agent", "x-schemathesis-testcaseid", "accept", "accept-encoding", "connection", "content-length", "host"}
)
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"})

Headers = dict[str, str | bytes]
RequestKey = tuple[str, str, tuple[tuple[str, bytes], ...]]


def _raw(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1", "backslashreplace")


def request_key(method: str, target: str, headers: Mapping[str, str | bytes]) -> RequestKey:
    """What identifies a request for the answer sent ahead of it: method, path with query, relevant headers."""
    relevant = sorted((name.lower(), _raw(value)) for name, value in headers.items() if name.lower() not in _VOLATILE)
    return method.upper(), target, tuple(relevant)


@dataclass
class Prefetch:
    """Requests sent ahead, concurrently; each answer is handed out once, to the first identical request."""

    client: Client
    workers: int = MAX_PARALLEL
    _pending: dict[RequestKey, list[Exchange]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    sent_ahead: int = 0
    sent_late: int = 0

    def send_all(self, requests: Iterable[tuple[str, str, Headers, str]]) -> list[Exchange]:
        """Send ``(method, target, headers, probe)`` requests concurrently and keep each answer for its request."""
        todo = list(requests)
        if not todo:
            return []
        with ThreadPoolExecutor(max_workers=min(self.workers, len(todo)), thread_name_prefix="generated") as pool:
            exchanges = list(pool.map(lambda r: self.client.send(r[0], r[1], probe=r[3], headers=dict(r[2])), todo))
        with self._lock:
            for (method, target, headers, _), exchange in zip(todo, exchanges, strict=True):
                self._pending.setdefault(request_key(method, target, headers), []).append(exchange)
            self.sent_ahead += len(todo)
        return exchanges

    def take(self, method: str, target: str, headers: Headers) -> Exchange | None:
        with self._lock:
            waiting = self._pending.get(request_key(method, target, headers))
            return waiting.pop(0) if waiting else None

    def send_batch(self, requests: list[tuple[str, str, Headers, str]]) -> list[Exchange]:
        """Answers for ``requests`` in order: those sent ahead, the rest sent now, concurrently."""
        found = [self.take(method, target, headers) for method, target, headers, _ in requests]
        late = [i for i, exchange in enumerate(found) if exchange is None]
        if late:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(late)), thread_name_prefix="generated") as pool:
                fresh = list(pool.map(lambda i: self._fresh(*requests[i]), late))
            for i, exchange in zip(late, fresh, strict=True):
                found[i] = exchange
        exchanges = []
        for request, maybe in zip(requests, found, strict=True):
            assert maybe is not None
            maybe.probe = request[3]
            exchanges.append(maybe)
        return exchanges

    def _fresh(self, method: str, target: str, headers: Headers, probe: str) -> Exchange:
        with self._lock:
            self.sent_late += 1
        return self.client.send(method, target, probe=probe, headers=dict(headers))

    def send(self, method: str, target: str, headers: Headers, probe: str) -> Exchange:
        """The answer sent ahead for this request, or a fresh one."""
        found = self.take(method, target, headers)
        if found is not None:
            found.probe = probe
            return found
        return self._fresh(method, target, headers, probe)


# -- schemathesis -----------------------------------------------------------------------------------------


class Relay:
    """The WSGI application schemathesis sends to: forwards each request to the target through the run's client.

    Going through the run's client keeps the target, TLS (verify) and timeout of the run, lets answers sent
    ahead be used, and records every exchange, schemathesis's own auth probes included, for the Judge.
    """

    def __init__(self, prefetch: Prefetch, privileged: Headers) -> None:
        self.prefetch = prefetch
        self.privileged = {name.lower(): _raw(value) for name, value in privileged.items()}
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        method = environ["REQUEST_METHOD"]
        target = environ.get("PATH_INFO", "/") or "/"
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        base_path = urlsplit(self.prefetch.client.base_url).path  # schemathesis prefixes the base URL's path
        if base_path != "/" and target.startswith(base_path):
            target = "/" + target[len(base_path) :]
        headers: Headers = {}
        for name, value in environ.items():
            if name.startswith("HTTP_"):
                headers["-".join(part.capitalize() for part in name[5:].split("_"))] = value.encode("latin-1")
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        sent = {name.lower(): _raw(value) for name, value in headers.items()}
        privileged = bool(self.privileged) and all(sent.get(k) == v for k, v in self.privileged.items())
        probe = f"{PRIVILEGED_GENERATED if privileged else 'schemathesis'} {method} {target}"
        exchange = self.prefetch.send(method, target, headers, probe=probe)
        with self._lock:
            self.exchanges.append(exchange)
        if exchange.error or exchange.status is None:
            start_response("502 Bad Gateway", [("Content-Type", "text/plain")])
            yield f"relay: no response from the target: {exchange.error}".encode()
            return
        reason = HTTPStatus(exchange.status).phrase if exchange.status in HTTPStatus._value2member_map_ else "Unknown"
        start_response(
            f"{exchange.status} {reason}",
            [(k, v) for k, v in exchange.response_headers.items() if k.lower() not in _HOP_BY_HOP],
        )
        yield exchange.body_text.encode("utf-8")

    def since(self, index: int) -> list[Exchange]:
        with self._lock:
            return self.exchanges[index:]

    def __len__(self) -> int:
        with self._lock:
            return len(self.exchanges)


def credential_subset(case_headers: Mapping[str, Any] | None, privileged: Headers) -> Headers:
    """The privileged values of the credential headers a generated case carries (a missing one stays missing)."""
    present = {name.lower() for name in (case_headers or {})}
    return {name: value for name, value in privileged.items() if name.lower() in present}


def expected_schemathesis_requests(privileged: Headers) -> list[tuple[str, str, Headers, str]]:
    """The requests a schemathesis run of the fragment sends whose answer Restivus delays: sent ahead.

    The coverage phase drops one required credential header at a time; ``ignored_auth`` repeats the first
    authenticated request without credentials and with each credential replaced by an invalid value.
    """
    try:
        from schemathesis.specs.openapi._auth_retry import INVALID_CREDENTIAL
    except ImportError:  # pragma: no cover - a miss only costs a request sent late
        INVALID_CREDENTIAL = "SCHEMATHESIS-INVALID-VALUE"
    shapes: list[Headers] = [
        {name: value for name, value in privileged.items() if name != missing} for missing in CREDENTIAL_HEADERS
    ]
    shapes.append({})
    shapes += [{name: INVALID_CREDENTIAL} for name in CREDENTIAL_HEADERS]
    return [("GET", ENDPOINT, shape, f"schemathesis GET {ENDPOINT}") for shape in shapes]


def load_schema(*, max_examples: int, seed: int) -> Any:
    """The fragment as a schemathesis schema, configured here rather than by a discovered schemathesis.toml.

    Coverage runs in both modes (its negative cases leave out one credential header at a time); fuzzing
    stays positive: the only parameters are the credentials, which the test replaces with the privileged pair.
    """
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.generation import GenerationMode

    config = SchemathesisConfig()
    config.update(seed=seed, max_failures=None)
    project = config.projects.default
    project.generation.update(max_examples=max_examples, deterministic=False)
    project.phases.fuzzing.generation.update(modes=[GenerationMode.POSITIVE], max_examples=max_examples)
    project.phases.coverage.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    # Other methods must be refused with a 4xx; only the usual ones, since a proxy may answer TRACE or
    # QUERY itself.
    project.phases.coverage.unexpected_methods = set(UNEXPECTED_METHODS)
    project.checks.update(included_check_names=list(CHECKS))
    return schemathesis.openapi.from_path(FRAGMENT, config=config)


# -- hostile credentials ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A credential of the run, named rather than shown, so that Hypothesis never prints a secret."""

    name: str

    def __repr__(self) -> str:
        return f"Ref({self.name!r})"


Value = str | bytes | Ref | None
"""A header value: literal, a credential of the run, or None for a header left out."""

PRIVILEGED_ID, PRIVILEGED_TOKEN = Ref("privileged.user_id"), Ref("privileged.token")
OTHER_ID = Ref("under-privileged.user_id")
REVOKED_ID, REVOKED_TOKEN = Ref("revoked.user_id"), Ref("revoked.token")


@dataclass(frozen=True, repr=False)
class HostilePair:
    """The X-User-Id and X-Auth-Token of one hostile request."""

    user_id: Value
    token: Value

    def headers(self, ctx: ProbeContext, fallback: Mapping[str, str]) -> Headers:
        resolved = {
            "X-User-Id": resolve(self.user_id, ctx, fallback),
            "X-Auth-Token": resolve(self.token, ctx, fallback),
        }
        return {name: value for name, value in resolved.items() if value is not None}

    def describe(self) -> str:
        return f"X-User-Id={_show(self.user_id)}, X-Auth-Token={_show(self.token)}"

    def __repr__(self) -> str:
        return f"HostilePair({self.describe()})"


def _show(value: Value) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, Ref):
        return f"<{value.name}>"
    text = value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value
    return repr(text) if len(text) <= 40 else f"{text[:16]!r}… ({len(text)} characters)"


def fallbacks() -> dict[str, str]:
    """Random stand-ins for credentials the run lacks, drawn once per run so that a pair always sends the same."""
    return {"user_id": f"rcContract{secrets.token_hex(6)}", "token": secrets.token_urlsafe(32)}


def resolve(value: Value, ctx: ProbeContext, fallback: Mapping[str, str]) -> str | bytes | None:
    """The value to send; a credential the run lacks falls back to one that exists (or a random one)."""
    if not isinstance(value, Ref):
        return value
    sessions = {
        "privileged": ctx.privileged or ctx.under,
        "under-privileged": ctx.under or ctx.privileged,
        "revoked": ctx.revoked,
    }
    role, attribute = value.name.split(".")
    session = sessions[role]
    if session is None:
        return fallback[attribute]
    return str(getattr(session, attribute))


_TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_PRINTABLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
_NON_ASCII = st.characters(min_codepoint=0xA0, max_codepoint=0x2FFFF, exclude_categories=["Cs"])


def hostile_values() -> st.SearchStrategy[str | bytes]:
    """One hostile credential value: empty, blank, huge, non-ASCII, tab-laden, injection-like or random."""
    return st.one_of(
        st.just(""),
        st.text(alphabet=" \t", min_size=1, max_size=8),
        st.integers(min_value=1024, max_value=OVERLONG).map(lambda n: "A" * n),
        st.text(alphabet=_PRINTABLE, min_size=256, max_size=OVERLONG),
        st.text(_NON_ASCII, min_size=1, max_size=64).map(lambda text: text.encode("utf-8")),
        st.tuples(st.text(alphabet=_PRINTABLE, max_size=12), st.text(alphabet=_PRINTABLE, max_size=12)).map(
            lambda parts: f"{parts[0]}\t{parts[1]}"
        ),
        st.sampled_from((*INJECTION, "../", "../../etc/passwd", '{"$gt": ""}', "null", "undefined", "*")),
        st.text(alphabet=_TOKEN_ALPHABET, min_size=17, max_size=64),
    )


def hostile_headers() -> st.SearchStrategy[HostilePair]:
    """A hostile credential pair; never a valid one (the run's own pairs are only ever split or mixed)."""
    hostile_or_absent = st.one_of(st.none(), hostile_values())
    return st.one_of(
        st.builds(HostilePair, hostile_or_absent, hostile_or_absent),
        st.builds(HostilePair, st.sampled_from((PRIVILEGED_ID, OTHER_ID)), hostile_or_absent),
        st.builds(HostilePair, hostile_or_absent, st.just(PRIVILEGED_TOKEN)),
        st.just(HostilePair(OTHER_ID, PRIVILEGED_TOKEN)),
        st.just(HostilePair(REVOKED_ID, REVOKED_TOKEN)),
    )


def hostile_batches() -> st.SearchStrategy[list[HostilePair]]:
    return st.lists(hostile_headers(), min_size=BATCH, max_size=BATCH)


CANONICAL_BATCH: tuple[HostilePair, ...] = (
    HostilePair(None, None),
    HostilePair(PRIVILEGED_ID, None),
    HostilePair(PRIVILEGED_ID, ""),
    HostilePair(PRIVILEGED_ID, " \t "),
    HostilePair(PRIVILEGED_ID, "A" * OVERLONG),
    HostilePair(PRIVILEGED_ID, "tökén-🔑".encode()),
    HostilePair(INJECTION[0], INJECTION[1]),
    HostilePair("../", PRIVILEGED_TOKEN),
    HostilePair(OTHER_ID, PRIVILEGED_TOKEN),
    HostilePair(REVOKED_ID, REVOKED_TOKEN),
)
"""One of each kind, sent as an explicit example before anything is drawn."""


def valid_pairs(ctx: ProbeContext) -> set[tuple[str, str]]:
    """The credential pairs that authenticate, so a drawn pair that happens to be one is not sent as hostile."""
    return {(s.user_id, s.token) for s in (ctx.privileged, ctx.under) if s is not None}


# -- the wave ---------------------------------------------------------------------------------------------


@dataclass
class Wave:
    """What the generated tests send, drawn first and sent together (alongside the run's own probes)."""

    prefetch: Prefetch
    relay: Relay
    fallback: dict[str, str]
    hostile: Callable[[], None]
    hostile_exchanges: list[Exchange] = field(default_factory=list)
    hostile_failure: str | None = None
    auth_confirmed: bool = False


def prepare_wave(run: ContractRun) -> Wave:
    """Draw the hostile batches (a dry pass of the seeded test), then send them and schemathesis's slow requests."""
    ctx = run.context
    privileged = ctx.privileged.headers() if ctx.privileged else {}
    valid = valid_pairs(ctx)
    prefetch = Prefetch(run.client)
    state = Wave(prefetch, Relay(prefetch, privileged), fallbacks(), lambda: None)
    drawn: list[list[HostilePair]] = []

    def requests_of(batch: list[HostilePair]) -> list[tuple[str, str, Headers, str]]:
        out = []
        for pair in batch:
            headers = pair.headers(ctx, state.fallback)
            if (headers.get("X-User-Id"), headers.get("X-Auth-Token")) not in valid:
                out.append(("GET", ENDPOINT, headers, f"hostile {pair.describe()}"))
        return out

    def check(batch: list[HostilePair]) -> None:
        assert run.judge is not None
        exchanges = prefetch.send_batch(requests_of(batch))
        state.hostile_exchanges += exchanges
        judged = run.judge.judge("generated.hostile-credentials", {str(i): e for i, e in enumerate(exchanges)})
        if judged.verdict is Verdict.VIOLATION:
            state.hostile_failure = judged.detail
            raise AssertionError(run.redactor.text(judged.detail))

    hostile_property(FUZZ, drawn.append)()
    state.hostile = hostile_property(FUZZ, check)
    ahead = [r for batch in drawn for r in requests_of(batch)]
    if privileged:
        ahead += expected_schemathesis_requests(privileged)
    prefetch.send_all(ahead)
    return state


def hostile_property(fuzz: Fuzz, body: Callable[[list[HostilePair]], None]) -> Callable[[], None]:
    """The seeded Hypothesis test over batches of hostile pairs; run twice (dry, then for real) it draws the same."""

    @settings(
        max_examples=fuzz.examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @seed(fuzz.seed)
    @example(batch=list(CANONICAL_BATCH))
    @given(batch=hostile_batches())
    def hostile_batches_are_refused(batch: list[HostilePair]) -> None:
        body(batch)

    return hostile_batches_are_refused
