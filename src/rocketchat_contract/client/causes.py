"""The exceptions behind a transport error: requests and urllib3 wrap the socket's or the ssl module's error
several times (as a cause, a context, an argument, a ``reason``), so a failure is classified by walking them."""

from __future__ import annotations

from collections.abc import Iterator


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception behind it, each once."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [e for e in (current.__cause__, current.__context__) if e is not None]
        stack += [a for a in current.args if isinstance(a, BaseException)]
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)


def caused_by(exc: BaseException, *kinds: type[BaseException]) -> BaseException | None:
    """The first exception behind ``exc`` (itself included) of one of ``kinds``, or None."""
    return next((cause for cause in causes(exc) if isinstance(cause, kinds)), None)
