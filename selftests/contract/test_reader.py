"""contract/reader.py: every YAML and JSON file is read within its kind's bounds, and each bound is pinned here
(just under it passes, just over it is one line naming the file and the bound)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from capped import deep_json, depth, sparse_file, yaml_bomb

from rocketchat_contract.contract.catalogue import judging, load_extra_drift
from rocketchat_contract.contract.reader import (
    DRIFT_FILES,
    FLEET_FILES,
    KINDS,
    REPORTS,
    SHIPPED_DATA,
    Limits,
    ReadError,
    read_json,
    read_yaml,
)

YAML_KINDS = [FLEET_FILES, DRIFT_FILES, SHIPPED_DATA]
REPO = Path(__file__).resolve().parents[2]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _refused(read: Any, path: Path, limits: Limits) -> str:
    with pytest.raises(ReadError) as raised:
        read(path, limits)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and "\n" not in message, message
    return message


# -- size -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("limits", KINDS, ids=lambda k: k.kind)
def test_a_file_one_byte_over_its_kinds_cap_is_refused_by_its_size(tmp_path: Path, limits: Limits) -> None:
    path = sparse_file(tmp_path / "big", limits.max_bytes + 1)
    message = _refused(read_json, path, limits)
    assert message == f"{path}: larger than {limits.max_bytes >> 20} MiB (the cap for {limits.kind})"
    assert _refused(read_yaml, path, limits) == message


def test_the_caps_are_those_the_docs_state() -> None:
    assert [(k.kind, k.max_bytes >> 20, k.max_depth, k.max_alias_nodes) for k in KINDS] == [
        ("fleet files", 1, 16, 100_000),
        ("drift files", 8, 64, 100_000),
        ("compliance and fleet reports", 1024, 128, 0),
        ("the shipped contract data", 16, 64, 100_000),
    ]
    page = (REPO / "docs" / "files.md").read_text(encoding="utf-8")
    for row in (
        "| fleet file (`rocketchat-contract fleet FLEET.yaml`) | 1 MiB | 16 | 100,000 |",
        "| drift file (`--extra-drift`) | 8 MiB | 64 | 100,000 |",
        "| JSON compliance or fleet report | 1024 MiB | 128 | (no aliases in JSON) |",
        "| the shipped contract data (`contracts/`, `schemas/`, the reference server's) | 16 MiB | 64 | 100,000 |",
    ):
        assert row in page


def test_a_file_at_the_cap_is_read_and_one_byte_more_is_not(tmp_path: Path) -> None:
    small = replace(REPORTS, max_bytes=64)
    at_cap = _write(tmp_path / "at.json", json.dumps("x" * 62))
    assert at_cap.stat().st_size == 64 and read_json(at_cap, small) == "x" * 62
    over = _write(tmp_path / "over.json", json.dumps("x" * 63))
    assert _refused(read_json, over, small) == f"{over}: larger than 64 bytes (the cap for {REPORTS.kind})"


def test_a_stream_that_never_ends_is_cut_at_the_cap() -> None:
    """``/dev/zero`` has no size to look at: reading stops one byte past the cap."""
    small = replace(DRIFT_FILES, max_bytes=1 << 20)
    assert _refused(read_yaml, Path("/dev/zero"), small).endswith("larger than 1 MiB (the cap for drift files)")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.json", "no such file"),
        (lambda tmp: tmp, "cannot read it (Is a directory)"),
        (lambda tmp: (tmp / "latin1.json").write_bytes(b'"\xe9"') and tmp / "latin1.json", "not UTF-8"),
        (lambda tmp: _write(tmp / "broken.json", "{"), "not JSON (Expecting property name"),
    ],
    ids=["missing", "directory", "not-utf-8", "not-json"],
)
def test_unreadable_files_are_one_line(tmp_path: Path, make: Any, message: str) -> None:
    path = make(tmp_path)
    assert message in _refused(read_json, path, REPORTS)


# -- depth ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("limits", KINDS, ids=lambda k: k.kind)
def test_nesting_to_the_bound_is_read_and_one_level_more_is_not(tmp_path: Path, limits: Limits) -> None:
    bound = limits.max_depth
    at_bound = _write(tmp_path / "at.json", deep_json(bound))
    assert depth(read_json(at_bound, limits)) == bound
    assert depth(read_yaml(at_bound, limits)) == bound  # JSON is YAML (flow style)
    over = _write(tmp_path / "over.json", deep_json(bound + 1))
    expected = f"{over}: nested deeper than {bound} levels"
    assert _refused(read_json, over, limits) == expected
    assert _refused(read_yaml, over, limits) == expected


@pytest.mark.parametrize("limits", YAML_KINDS, ids=lambda k: k.kind)
def test_block_style_nesting_is_bounded_alike(tmp_path: Path, limits: Limits) -> None:
    def nested(levels: int) -> str:
        return "".join(f"{'  ' * level}k{level}:\n" for level in range(levels - 1)) + f"{'  ' * (levels - 1)}k: 1\n"

    assert depth(read_yaml(_write(tmp_path / "at.yaml", nested(limits.max_depth)), limits)) == limits.max_depth
    over = _write(tmp_path / "over.yaml", nested(limits.max_depth + 1))
    assert _refused(read_yaml, over, limits) == f"{over}: nested deeper than {limits.max_depth} levels"


def test_json_nested_100000_deep_is_one_line_not_a_recursion_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "deep.json", deep_json())
    assert _refused(read_json, path, REPORTS) == f"{path}: nested deeper than 128 levels"
    assert _refused(read_yaml, path, DRIFT_FILES) == f"{path}: nested deeper than 64 levels"


# -- YAML aliases -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("limits", YAML_KINDS, ids=lambda k: k.kind)
def test_aliases_may_stand_for_up_to_the_bound_and_not_one_node_more(tmp_path: Path, limits: Limits) -> None:
    anchor = "a: &a [x, x, x, x, x, x, x, x, x]\ns: &s x\n"  # each *a stands for 10 nodes, *s for 1
    uses = limits.max_alias_nodes // 10
    at_bound = f"{anchor}b: [{', '.join(['*a'] * uses)}]\n"
    document = read_yaml(_write(tmp_path / "at.yaml", at_bound), limits)
    assert len(document["b"]) == uses and document["b"][0] == ["x"] * 9
    over = _write(tmp_path / "over.yaml", at_bound + "c: *s\n")
    assert _refused(read_yaml, over, limits) == (
        f"{over}: YAML aliases would expand to more than {limits.max_alias_nodes:,} nodes (a YAML bomb?)"
    )


@pytest.mark.parametrize("limits", YAML_KINDS, ids=lambda k: k.kind)
def test_a_yaml_bomb_is_refused_before_anything_is_built(tmp_path: Path, limits: Limits) -> None:
    path = _write(tmp_path / "bomb.yaml", yaml_bomb("entries"))
    assert "aliases would expand to more than" in _refused(read_yaml, path, limits)


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n", "a: &a {b: [1, {c: *a}]}\n"])
def test_a_document_that_contains_itself_is_refused(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path / "loop.yaml", text)
    assert _refused(read_yaml, path, DRIFT_FILES) == f"{path}: a YAML alias refers to a node that contains it (line 1)"


def test_aliases_and_merge_keys_within_the_bound_load_as_before(tmp_path: Path) -> None:
    text = "base: &b {x: 1, y: [1, 2]}\nc: {<<: *b, x: 2}\nd: *b\n"
    path = _write(tmp_path / "ok.yaml", text)
    assert (
        read_yaml(path, FLEET_FILES)
        == yaml.safe_load(text)
        == {
            "base": {"x": 1, "y": [1, 2]},
            "c": {"x": 2, "y": [1, 2]},
            "d": {"x": 1, "y": [1, 2]},
        }
    )


# -- strict parsing ---------------------------------------------------------------------------------------------


def test_a_key_twice_in_one_json_object_is_refused(tmp_path: Path) -> None:
    """json.loads keeps the last one, other parsers the first: a verified report must mean one thing."""
    path = _write(tmp_path / "twice.json", '{"clauses": [{"verdict": "conforms", "verdict": "violation"}]}')
    assert _refused(read_json, path, REPORTS) == f'{path}: the key "verdict" appears twice in one object'


def test_a_key_twice_in_one_yaml_mapping_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "twice.yaml", "targets:\n  - name: a\n    base_url: http://a\n    base_url: http://b\n")
    assert _refused(read_yaml, path, FLEET_FILES) == (
        f'{path}: the key "base_url" appears twice in one mapping (line 4)'
    )


def test_keys_in_messages_are_escaped_and_cut(tmp_path: Path) -> None:
    key = "\x1b[2J" + "k" * 200
    path = _write(tmp_path / "twice.json", "{" + f"{json.dumps(key)}: 1, {json.dumps(key)}: 2" + "}")
    message = _refused(read_json, path, REPORTS)
    assert "\x1b" not in message and "\\u001b[2J" in message and len(message) < len(str(path)) + 140


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    path = _write(tmp_path / "evil.yaml", "x: !!python/object/apply:os.system ['true']\n")
    assert "not valid YAML at line 1 (could not determine a constructor" in _refused(read_yaml, path, DRIFT_FILES)


def test_non_finite_numbers_are_read_as_the_suite_writes_them(tmp_path: Path) -> None:
    """Not JSON, but Python's json module writes them for a response body that held 1e999 or NaN, so a report the
    suite wrote may contain them; they cost nothing to read."""
    path = _write(tmp_path / "report.json", '{"body": [NaN, Infinity, -Infinity]}')
    body = read_json(path, REPORTS)["body"]
    assert body[0] != body[0] and body[1:] == [float("inf"), float("-inf")]


# -- what is accepted stays within what the code that walks it can take -----------------------------------------


def _nested_schema(levels: int) -> tuple[dict[str, Any], Any]:
    """A body schema nesting ``levels`` objects through ``properties`` (2 JSON levels each), and a body it accepts."""
    schema: dict[str, Any] = {"enum": [1]}
    body: Any = 1
    for _ in range(levels):
        schema, body = {"type": "object", "required": ["a"], "properties": {"a": schema}}, {"a": body}
    return schema, body


def test_a_drift_file_at_the_depth_bound_is_checked_and_judged_without_recursing_out(tmp_path: Path) -> None:
    levels = (DRIFT_FILES.max_depth - 6) // 2  # entries, the entry, instead, body_schema's levels, the enum's list
    schema, body = _nested_schema(levels)
    entry = {
        "id": "local-deep",
        "clauses": ["auth.missing"],
        "versions": ">=9.2.0",
        "instead": {"status": 401, "body_schema": schema},
        "summary": "A body schema as deep as a drift file may nest.",
        "source": "selftests",
    }
    document = {"entries": [entry]}
    assert depth(document) == DRIFT_FILES.max_depth
    path = _write(tmp_path / "deep.yaml", json.dumps(document))
    extra = load_extra_drift([path])
    _, schemas = judging([path])
    ref = extra.entries[0].instead.schema
    assert schemas.is_valid(ref, body) and not schemas.is_valid(ref, {"a": body})
    assert schemas.problem(ref, {"a": body}) is not None
