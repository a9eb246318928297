"""The form of each option's value: how its text (or its ini value) becomes the typed value, or what was expected.

A ``Form`` reads an option's text when pytest parses the command line (``Checked``, the options' argparse action),
and the same text in an ini value when the plugin validates its settings, so a value is read one way wherever it
is given. Light to import, as the option declarations are loaded in every pytest session: the forms that need the
contract data or the reference server import them only when such an option is given.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from rocketchat_contract.client.defaults import MiB

MAX_FUZZ_EXAMPLES = 1000
"""The most --fuzz-examples takes: about ten requests per example, so some 10,000 requests and seconds of drawing."""
MIN_BODY, MAX_BODY = 1024, 256 * MiB
SIZE_FORM = "a number of bytes from 1024 to 256MiB, or with KiB or MiB (e.g. 4MiB)"
_SIZE = re.compile(r"(?P<number>\d+)\s*(?P<unit>kib|mib)?", re.IGNORECASE)
_UNITS = {"": 1, "kib": 1024, "mib": MiB}
OPERATION_FORM = "KEY:STEP[:DONE/TOTAL] (e.g. csv:importer_done:500/500), or none for a server without an import"
NO_OPERATION = "none"


class Form(NamedTuple):
    """How one kind of value is read: ``read`` returns it or raises ``ValueError`` saying what it expected."""

    read: Callable[[Any], Any]
    quoted: bool = False
    """Shown quoted in a message (a name or a spec, where a stray space matters); numbers are shown as typed."""

    def shown(self, text: str) -> str:
        """``text`` as a message quotes an option's value."""
        return repr(text) if self.quoted else text


class Invalid:
    """An option's value its form could not read, kept as the one line that says so: the plugin raises it when it
    validates its settings (exit status 4), as argparse's own error would be pytest's usage message, several lines
    long."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __repr__(self) -> str:
        return f"Invalid({self.message!r})"


class Checked(argparse.Action):
    """Store an option's value as its ``form`` reads it, or an ``Invalid`` naming the option as typed (an alias
    too, which a ``type=`` callable cannot know)."""

    def __init__(self, option_strings: Sequence[str], dest: str, *, form: Form, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, **kwargs)
        self.form = form

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        text = str(values)
        try:
            value = self.form.read(text)
        except ValueError as exc:
            value = Invalid(f"{option_string or self.option_strings[0]} {self.form.shown(text)}: {exc}")
        setattr(namespace, self.dest, value)


def _seconds(value: Any, *, zero: bool) -> float:
    expected = "expected a number of seconds " + ("0 or more" if zero else "greater than 0")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(expected) from None
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not zero):
        raise ValueError(expected)
    return seconds


def _size(value: Any) -> int:
    match = _SIZE.fullmatch(str(value).strip())
    size = int(match["number"]) * _UNITS[(match["unit"] or "").lower()] if match else None
    if size is None or not MIN_BODY <= size <= MAX_BODY:
        raise ValueError(f"expected {SIZE_FORM}")
    return size


def _whole(value: Any, expected: str = "expected a whole number") -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(expected) from None


def _examples(value: Any) -> int:
    expected = (
        f"expected a whole number from 1 to {MAX_FUZZ_EXAMPLES} (each example is about ten requests to the server)"
    )
    examples = _whole(value, expected)
    if not 1 <= examples <= MAX_FUZZ_EXAMPLES:
        raise ValueError(expected)
    return examples


def _version(value: Any) -> str:
    from rocketchat_contract.contract.versions import EXPECTED_FORM, VersionError, read_version

    try:
        read_version(str(value))
    except VersionError:
        raise ValueError(f"expected {EXPECTED_FORM}") from None
    return str(value)


def _profile(value: Any) -> str:
    from rocketchat_contract.reference import PROFILES

    if value not in PROFILES:
        raise ValueError(f"unknown profile; expected one of {', '.join(PROFILES)}")
    return str(value)


def _operation(value: Any) -> str:
    """The spec as given, once it reads as an operation no server contradicts, or ``none``."""
    spec = str(value)
    if spec.strip() == NO_OPERATION:
        return NO_OPERATION
    from rocketchat_contract.reference import Operation

    try:
        operation = Operation.parse(spec)
    except ValueError:
        raise ValueError(f"expected {OPERATION_FORM}") from None
    if operation.completed > operation.total:
        raise ValueError(
            f"{operation.completed} done is more than the total of {operation.total}, which no server reports; "
            "expected DONE <= TOTAL"
        )
    return spec


POSITIVE_SECONDS = Form(lambda value: _seconds(value, zero=False))
SECONDS = Form(lambda value: _seconds(value, zero=True))
"""Seconds, 0 included (``--rc-rate-limit-wait 0`` never waits)."""
SIZE = Form(_size)
EXAMPLES = Form(_examples)
WHOLE = Form(_whole)
VERSION = Form(_version, quoted=True)
PROFILE = Form(_profile, quoted=True)
OPERATION = Form(_operation, quoted=True)
