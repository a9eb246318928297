"""Put a violation in one sentence: what the contract expected and what the server sent, each body by its name.

Bodies are named after the schema they match (documented ones by their title, observed ones by file name),
so a reader sees "got 403 with the No Permission body" rather than having to read the evidence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache

from rocketchat_contract.client.http import MAX_BODY_DEPTH, NOT_JSON, Exchange
from rocketchat_contract.client.printable import printable
from rocketchat_contract.contract.schemas import SchemaStore

_TITLE_TAIL = re.compile(r"\s*\(.*\)$|\s+error$")


def body_label(schema: str, schemas: SchemaStore) -> str:
    """Name the body a schema describes: ``the Authorization body``, ``the observed unauthorized-compat body``."""
    if schema.startswith("documented/"):
        title = str(schemas.documents[schema].get("title", ""))
        while (shorter := _TITLE_TAIL.sub("", title)) != title:
            title = shorter
        if title:
            return f"the {title} body"
    stem = schema.rsplit("/", 1)[-1].removesuffix(".schema.json")
    kind = schema.split("/", 1)[0] if "/" in schema else ""
    return f"the {kind + ' ' if kind else ''}{stem} body"


@cache
def _body_schemas(schemas: SchemaStore) -> tuple[str, ...]:
    """Schemas of whole response bodies (their examples are JSON objects), documented ones first."""
    names = [
        name
        for name, document in schemas.documents.items()
        if name.split("/", 1)[0] in ("documented", "observed")
        and any(isinstance(example, dict) for example in document.get("examples", []))
    ]
    return tuple(sorted(names, key=lambda name: (not name.startswith("documented/"), name)))


def too_large(exchange: Exchange) -> str:
    """Why an answer whose body passed the cap is not one the contract accepts, whatever it started with."""
    return (
        f"{exchange.status} with a body larger than {exchange.larger_than} bytes, the most the suite reads of an "
        "answer (--rc-max-body): it stopped reading there, so this is not the documented body"
    )


def describe_answer(exchange: Exchange, schemas: SchemaStore) -> str:
    """Say what came back: ``403 with the No Permission body``, ``200 with a non-JSON body (text/html)``; what the
    server wrote is shown escaped (``printable``)."""
    if exchange.error:
        return f"no response ({printable(exchange.error)})"
    if exchange.larger_than is not None:
        return f"{exchange.status} with a body larger than {exchange.larger_than} bytes"
    body = exchange.json()
    if body is NOT_JSON:
        if not exchange.body_text.strip():
            return f"{exchange.status} with an empty body"
        if exchange.too_deep:
            return f"{exchange.status} with a JSON body nested deeper than {MAX_BODY_DEPTH} levels (not judged as JSON)"
        return f"{exchange.status} with a non-JSON body ({printable(exchange.media_type or 'no Content-Type')})"
    for schema in _body_schemas(schemas):
        if schemas.is_valid(schema, body):
            return f"{exchange.status} with {body_label(schema, schemas)}"
    shown = printable(json.dumps(body, ensure_ascii=False))
    return f"{exchange.status} with an unknown body {shown[:80]}{'…' if len(shown) > 80 else ''}"


def describe_mismatch(
    expected_status: int,
    expected_schema: str,
    exchange: Exchange,
    accepted: Sequence[tuple[int, str]],
    schemas: SchemaStore,
) -> str:
    """One line: ``expected 401 with the Authorization body, got 403 with the No Permission body``.

    ``accepted`` lists the (status, schema) pairs the drift registry also accepts; the line only counts
    them (the detail below it names each), so that what came back stays within a table row.
    """
    expected = f"expected {expected_status} with {body_label(expected_schema, schemas)}"
    if accepted:
        expected += f" (or {len(accepted)} known drift{'s' if len(accepted) > 1 else ''})"
    return f"{expected}, got {describe_answer(exchange, schemas)}"
