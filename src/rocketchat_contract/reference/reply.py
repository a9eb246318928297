"""A finished answer before it is written: status, JSON or raw body, headers, and the case label."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Response

JSON = "application/json"


@dataclass
class Reply:
    """What a route answers. ``case`` is the server's own label, used by fault rewrites and the log."""

    status: int
    body: Any = None
    raw: str | None = None
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)
    case: str | None = None
    delayed: bool = False

    @property
    def is_json(self) -> bool:
        return self.raw is None


def dump(body: Any, indent: int | None = None) -> str:
    """Serialise like JavaScript's JSON.stringify: compact unless indented, non-ASCII kept as is."""
    if indent is None:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return json.dumps(body, indent=indent, ensure_ascii=False)


def render(reply: Reply, *, indent: int | None, json_type: str, cache_headers: bool) -> Response:
    """Build the Werkzeug response; Hono-era JSON answers also carry Cache-Control and Pragma."""
    if reply.is_json:
        text = dump(reply.body, indent)
        content_type = json_type if reply.content_type == JSON else reply.content_type
    else:
        text = reply.raw or ""
        content_type = reply.content_type
    response = Response(text.encode("utf-8"), status=reply.status)
    if content_type:
        response.headers["Content-Type"] = content_type
    else:
        del response.headers["Content-Type"]
    if cache_headers and reply.is_json:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    for name, value in reply.headers.items():
        response.headers[name] = value
    return response
