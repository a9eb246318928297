"""The one reader of every YAML and JSON file the suite reads, each kind of file with its own bounds.

A file is hostile until bounded: it is read up to its kind's size cap (``stat``, then at most cap + 1 bytes, so a
device or a pipe that never ends stops there too), nested at most ``max_depth`` containers deep (the code that
walks the data afterwards, jsonschema's validators among it, recurses once or more per level), and YAML aliases
may stand for at most ``max_alias_nodes`` nodes. Aliases are checked on the composed node graph before anything
is constructed: PyYAML's safe loader builds each anchored value once and shares it, so a few lines of nested
aliases (a "YAML bomb") cost nothing to load and billions of nodes to whatever walks the result. JSON is strict
about repeated keys (another parser would keep the other value); YAML is loaded only with the safe loader, and a
repeated key in a mapping is refused as well. Every refusal is one :class:`ReadError` line naming the file and the
bound it passed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MiB = 1 << 20
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it: about ten times faster, and its composer is not recursive
Python (libyaml itself refuses more than 1000 levels)."""
_CHUNK = 4 * MiB


@dataclass(frozen=True)
class Limits:
    """The bounds one kind of file is read with; ``kind`` names it in the size message ("the cap for …")."""

    kind: str
    max_bytes: int
    max_depth: int
    """Nested containers (a JSON array or object, a YAML sequence or mapping): ``[[1]]`` is 2 deep."""
    max_alias_nodes: int = 0
    """YAML: the nodes the aliases stand for, each alias expanded in full (nested aliases too)."""


FLEET_FILES = Limits("fleet files", 1 * MiB, max_depth=16, max_alias_nodes=100_000)
"""A target takes about 200 bytes of a fleet file, so 1 MiB holds about 5,000 targets; the schema nests 4 deep."""
DRIFT_FILES = Limits("drift files", 8 * MiB, max_depth=64, max_alias_nodes=100_000)
"""A hand-written entry is under 1 kB; an entry drafted by ``propose-drift`` carries the observed body as an inline
schema, 7 levels below the top, so a few drafted entries with large bodies still fit. jsonschema checks an inline
schema with about five frames per level, which 64 levels keep far from Python's recursion limit."""
REPORTS = Limits("compliance and fleet reports", 1024 * MiB, max_depth=128)
"""One cap for both kinds, since ``diff``, ``verify`` and ``rejudge`` tell them apart only once the file is read: a
compliance report is about 0.1 MB, a fleet report embeds one per target, so 1 GiB holds a fleet of about 10,000.
A fleet report nests 9 levels above a recorded response body, which leaves the body 119."""
SHIPPED_DATA = Limits("the shipped contract data", 16 * MiB, max_depth=64, max_alias_nodes=100_000)
"""``contracts/``, ``schemas/`` and the reference server's data: no file of it is over 20 kB."""
KINDS = (FLEET_FILES, DRIFT_FILES, REPORTS, SHIPPED_DATA)


class ReadError(ValueError):
    """A file that cannot be read within its bounds, or is not the YAML or JSON it should be; one line."""


def read_yaml(path: Path | str, limits: Limits, name: str | None = None) -> Any:
    """The YAML document at ``path`` (``None`` for an empty one), safely loaded within ``limits``; ``name`` is how
    errors name the file (default: the path)."""
    name = str(path) if name is None else name
    return parse_yaml(read_text(path, limits, name), limits, name)


def parse_yaml(text: str, limits: Limits, name: str) -> Any:
    """YAML ``text`` (read with :func:`read_text`) safely loaded within ``limits``, once its node graph passed them."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_graph(node, limits, name)
        return loader.construct_document(node)
    except RecursionError:  # the pure-Python composer, where PyYAML has no libyaml
        raise ReadError(_too_deep(name, limits)) from None
    except yaml.YAMLError as exc:
        raise ReadError(_yaml_problem(name, limits, exc)) from None
    finally:
        loader.dispose()


def read_json(path: Path | str, limits: Limits, name: str | None = None) -> Any:
    """The JSON document at ``path``, parsed within ``limits``, every object's keys distinct."""
    name = str(path) if name is None else name
    return parse_json(read_text(path, limits, name), limits, name)


def parse_json(text: str, limits: Limits, name: str) -> Any:
    """The JSON document ``text`` (named ``name`` in errors), parsed within ``limits``, every object's keys distinct."""
    try:
        document = json.loads(text, object_pairs_hook=_distinct_keys)
    except RecursionError:  # nested deeper than the parser's own limit, far above every kind's bound
        raise ReadError(_too_deep(name, limits)) from None
    except _RepeatedKey as exc:
        raise ReadError(f"{name}: the key {_shown(exc.key)} appears twice in one object") from None
    except ValueError as exc:
        raise ReadError(f"{name}: not JSON ({_one_line(str(exc))})") from None
    if nesting(document) > limits.max_depth:
        raise ReadError(_too_deep(name, limits))
    return document


def read_text(path: Path | str, limits: Limits, name: str | None = None) -> str:
    """The file's UTF-8 text, refused past the cap by its size and by what reading it gives (a pipe, a device)."""
    name = str(path) if name is None else name
    return decode(read_bytes(path, limits, name), name)


def read_bytes(path: Path | str, limits: Limits, name: str | None = None) -> bytes:
    """The file's bytes, refused past the cap by its size and by what reading it gives (a pipe, a device)."""
    name = str(path) if name is None else name
    cap = limits.max_bytes
    try:
        with Path(path).open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > cap:
                raise ReadError(_too_large(name, limits))
            data = _at_most(stream, cap + 1, size + 1)
    except FileNotFoundError:
        raise ReadError(f"{name}: no such file") from None
    except OSError as exc:
        raise ReadError(f"{name}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > cap:
        raise ReadError(_too_large(name, limits))
    return data


def decode(data: bytes, name: str) -> str:
    """``data`` as UTF-8 text, or one line naming the first byte that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReadError(f"{name}: cannot read it (not UTF-8: {exc.reason} at byte {exc.start})") from None


def _at_most(stream: Any, limit: int, first: int) -> bytes:
    """Up to ``limit`` bytes of ``stream``: a regular file in one read of its size (``first``), else in chunks."""
    parts: list[bytes] = []
    total, ask = 0, min(first, limit)
    while total < limit:
        part = stream.read(ask)
        if not part:
            break
        parts.append(part)
        total += len(part)
        ask = min(_CHUNK, limit - total)
    return b"".join(parts)


def _check_graph(root: yaml.Node, limits: Limits, name: str) -> None:
    """Refuse a composed document nested deeper than the bound, whose aliases would expand past the bound, that
    contains itself (``&a [*a]``), or with a key twice in one mapping; without expanding anything.

    Each distinct node is visited once, depth first without recursion; its expanded size and its height are
    memoised, so an alias costs one lookup. A subtree's expanded size less the distinct nodes seen so far is a
    lower bound of what the aliases add to the whole document, which stops a bomb at its first large subtree.
    """
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    started: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            size[key] = 1 + sum(size[id(child)] for child in children)
            own = 1 if isinstance(node, yaml.CollectionNode) else 0
            height[key] = own + max((height[id(child)] for child in children), default=0)
            if height[key] > limits.max_depth:
                raise ReadError(_too_deep(name, limits))
            if size[key] - len(size) > limits.max_alias_nodes:
                raise ReadError(_bomb(name, limits))
            continue
        if key in size:
            continue
        if key in started:
            raise ReadError(f"{name}: a YAML alias refers to a node that contains it (line {node.start_mark.line + 1})")
        started.add(key)
        if isinstance(node, yaml.MappingNode):
            _check_keys(node, name)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in size)
    if size[id(root)] - len(size) > limits.max_alias_nodes:
        raise ReadError(_bomb(name, limits))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_keys(node: yaml.MappingNode, name: str) -> None:
    seen: set[tuple[str, str]] = set()
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        if (key.tag, key.value) in seen:
            raise ReadError(
                f"{name}: the key {_shown(key.value)} appears twice in one mapping (line {key.start_mark.line + 1})"
            )
        seen.add((key.tag, key.value))


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _distinct_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return document


def nesting(document: Any) -> int:
    """How many containers deep a parsed JSON document nests, measured without recursion."""
    if not isinstance(document, (dict, list)):
        return 0
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return deepest


def _too_large(name: str, limits: Limits) -> str:
    cap = limits.max_bytes
    shown = f"{cap // MiB} MiB" if cap % MiB == 0 else f"{cap:,} bytes"
    return f"{name}: larger than {shown} (the cap for {limits.kind})"


def _bomb(name: str, limits: Limits) -> str:
    return f"{name}: YAML aliases would expand to more than {limits.max_alias_nodes:,} nodes (a YAML bomb?)"


def _too_deep(name: str, limits: Limits) -> str:
    return f"{name}: nested deeper than {limits.max_depth} levels"


def _yaml_problem(name: str, limits: Limits, exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or _one_line(str(exc)) or type(exc).__name__
    if "maximum nesting depth" in problem:  # libyaml's own limit (1000), far above every kind's bound
        return _too_deep(name, limits)
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}" if mark is not None else ""
    return f"{name}: not valid YAML{where} ({_one_line(problem)})"


def _shown(key: str, limit: int = 80) -> str:
    """A key as JSON writes it with ASCII only (control characters and the rest escaped), cut to ``limit``."""
    text = json.dumps(key)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
