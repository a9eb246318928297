"""The JSON Schemas: valid against their metaschema, refs resolve, and they accept and reject the right bodies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from rocketchat_contract.contract.data import schemas_dir
from rocketchat_contract.contract.schemas import BASE_URI, MEMO_LIMIT, MEMO_MAX_TEXT, SchemaStore, store

SCHEMA_FILES = sorted(p.relative_to(schemas_dir()).as_posix() for p in schemas_dir().rglob("*.schema.json"))
LOGIN = "You must be logged in to do this."
FORBIDDEN = "User does not have the permissions required for this action [error-unauthorized]"

# Bodies exactly as rocketchat-behaviour.md §2 and §7 give them, per schema they must match.
OBSERVED = {
    "observed/unauthorized-restivus.schema.json": {"status": "error", "message": LOGIN},
    "observed/unauthorized-compat.schema.json": {"success": False, "error": LOGIN, "status": "error", "message": LOGIN},
    "observed/unauthorized-breaking.schema.json": {"success": False, "error": LOGIN},
    "observed/forbidden.schema.json": {"success": False, "error": FORBIDDEN},
    "observed/forbidden-typed.schema.json": {"success": False, "error": FORBIDDEN, "errorType": "error-forbidden"},
    "observed/action-not-allowed.schema.json": {
        "success": False,
        "error": "Importing is not allowed [error-action-not-allowed]",
        "errorType": "error-action-not-allowed",
        "details": {"method": "setupImporter"},
    },
    "observed/operation-not-found.schema.json#/$defs/details-object": {
        "success": False,
        "error": "Import Operation Not Found [error-operation-not-found]",
        "errorType": "error-operation-not-found",
        "details": {"method": "getImportProgress"},
    },
    "observed/operation-not-found.schema.json#/$defs/details-string": {
        "success": False,
        "error": "Import Operation Not Found [error-operation-not-found]",
        "errorType": "error-operation-not-found",
        "details": "getImportProgress",
    },
    "observed/importer-not-defined.schema.json#/$defs/details-string": {
        "success": False,
        "error": "The importer (hipchatenterprise) has no import class defined. [error-importer-not-defined]",
        "errorType": "error-importer-not-defined",
        "details": "getImportProgress",
    },
    "observed/invalid-params-typed.schema.json": {
        "success": False,
        "errorType": "error-invalid-params",
        "error": "must NOT have additional properties",
    },
    "observed/invalid-params.schema.json": {
        "success": False,
        "error": "must NOT have additional properties [invalid-params]",
        "errorType": "invalid-params",
    },
    "observed/too-many-requests.schema.json": {
        "success": False,
        "error": "Error, too many requests. Please slow down. You must wait 37 seconds before trying this endpoint "
        "again. [error-too-many-requests]",
    },
    "observed/method-not-allowed.schema.json": {"status": "error", "message": "API endpoint does not exist"},
    "observed/progress-counted.schema.json": {
        "key": "csv",
        "name": "CSV",
        "step": "importer_importing_messages",
        "count": {"completed": 120, "total": 500, "error": 2},
        "success": True,
    },
    "documented/progress.schema.json": {
        "key": "pending-avatars",
        "name": "Pending Avatars",
        "step": "importer_done",
        "count": {"completed": 0, "total": 0},
        "success": True,
    },
}

# (schema, body, why it must be rejected)
REJECTED = [
    ("documented/unauthorized.schema.json", OBSERVED["observed/unauthorized-restivus.schema.json"], "Restivus 401"),
    ("documented/unauthorized.schema.json", OBSERVED["observed/unauthorized-compat.schema.json"], "8.x 401"),
    ("documented/forbidden.schema.json", OBSERVED["observed/action-not-allowed.schema.json"], "3.x no-permission"),
    (
        "documented/progress.schema.json",
        {
            "key": "csv",
            "name": "CSV",
            "step": "importer_done",
            "count": {"completed": "0", "total": 0},
            "success": True,
        },
        "count.completed as a string",
    ),
    (
        "documented/progress.schema.json",
        {"key": "csv", "name": "CSV", "step": "importer_done", "count": {"completed": 0, "total": 0}, "success": False},
        "success false",
    ),
    (
        "documented/progress.schema.json",
        {"key": "csv", "name": "CSV", "count": {"completed": 0, "total": 0}, "success": True},
        "no step",
    ),
    (
        "documented/progress.schema.json",
        {"key": "csv", "name": "CSV", "step": "importer_done", "count": {"completed": -1, "total": 0}, "success": True},
        "negative count",
    ),
    ("observed/progress-counted.schema.json", OBSERVED["documented/progress.schema.json"], "no count.error"),
    (
        "observed/unauthorized-restivus.schema.json",
        {"status": "error", "message": LOGIN, "success": False},
        "extra key",
    ),
    ("observed/unauthorized-compat.schema.json", {"success": False, "error": LOGIN}, "9.0-style 401"),
    (
        "observed/unauthorized-breaking.schema.json",
        OBSERVED["observed/unauthorized-compat.schema.json"],
        "8.x four-key 401 as the 9.0 body",
    ),
    ("observed/unauthorized-breaking.schema.json", {"success": False, "error": "unauthorized"}, "documented 401"),
    (
        "observed/unauthorized-breaking.schema.json",
        {"success": False, "error": LOGIN, "key": "csv"},
        "9.0 401 with progress data",
    ),
    ("documented/unauthorized.schema.json", {"success": False, "error": LOGIN}, "9.0 401 as documented"),
    ("observed/forbidden-typed.schema.json", {"success": False, "error": FORBIDDEN}, "no errorType"),
    (
        "observed/forbidden-typed.schema.json",
        {"success": False, "error": "Forbidden", "errorType": "error-forbidden"},
        "other sentence with errorType",
    ),
    (
        "observed/forbidden-typed.schema.json",
        {"success": False, "error": FORBIDDEN, "errorType": "error-unauthorized"},
        "other errorType",
    ),
    ("observed/forbidden.schema.json", {"success": False, "error": FORBIDDEN, "errorType": "x"}, "extra key"),
    (
        "observed/operation-not-found.schema.json#/$defs/details-object",
        OBSERVED["observed/operation-not-found.schema.json#/$defs/details-string"],
        "string details on 3.x",
    ),
    (
        "observed/operation-not-found.schema.json#/$defs/details-string",
        OBSERVED["observed/operation-not-found.schema.json#/$defs/details-object"],
        "object details after #26284",
    ),
    ("observed/too-many-requests.schema.json", {"success": False, "error": "Too many requests"}, "other message"),
    ("observed/progress-step.schema.json#/$defs/steps-18", "importer_preparing_contacts", "a 7.x step on 6.x"),
    ("observed/progress-step.schema.json#/$defs/steps-20", "downloading_file_url", "an early-3.x step on 8.x"),
]


@pytest.mark.parametrize("relative", SCHEMA_FILES)
def test_schema_passes_its_metaschema(relative: str) -> None:
    document = json.loads((schemas_dir() / relative).read_text())
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(document)
    assert document["$id"] == BASE_URI + relative
    for key in ("title", "description", "examples"):
        assert document.get(key), f"{relative} lacks {key}"


@pytest.mark.parametrize("relative", SCHEMA_FILES)
def test_every_ref_resolves_and_examples_validate(relative: str) -> None:
    schemas = store()
    for index, example in enumerate(schemas.examples(relative)):
        assert schemas.problem(relative, example) is None, f"{relative} example {index}"


def test_documented_examples_match_documented_schemas() -> None:
    documented = {
        "documented/progress.schema.json": {
            "key": "pending-avatars",
            "name": "Pending Avatars",
            "step": "importer_user_selection",
            "count": {"completed": 0, "total": 0},
            "success": True,
        },
        "documented/unauthorized.schema.json": {"success": False, "error": "unauthorized"},
        "documented/forbidden.schema.json": {"success": False, "error": FORBIDDEN},
    }
    for ref, body in documented.items():
        assert store().problem(ref, body) is None, ref


@pytest.mark.parametrize("ref", sorted(OBSERVED))
def test_observed_body_matches_its_schema(ref: str) -> None:
    assert store().problem(ref, OBSERVED[ref]) is None


@pytest.mark.parametrize(("ref", "body", "why"), REJECTED, ids=[r[2] for r in REJECTED])
def test_schema_rejects(ref: str, body: object, why: str) -> None:
    assert store().problem(ref, body) is not None, why


def test_step_sets_have_the_documented_sizes() -> None:
    schemas = store()
    assert len(schemas.enum("observed/progress-step.schema.json#/$defs/steps-18")) == 18
    assert len(schemas.enum("observed/progress-step.schema.json#/$defs/steps-20")) == 20
    early = schemas.enum("observed/progress-step.schema.json#/$defs/early-3x")
    assert "downloading_file_url" in early and "importer_downloading_file" not in early


def test_validators_are_built_once() -> None:
    schemas = store()
    assert schemas.validator("documented/progress.schema.json") is schemas.validator("documented/progress.schema.json")


def _store_with(tmp_path: Path, **keywords: object) -> SchemaStore:
    """A store over one schema file, ``documented/x.schema.json``, holding ``keywords``."""
    (tmp_path / "documented").mkdir()
    document = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": BASE_URI + "documented/x.schema.json"}
    (tmp_path / "documented" / "x.schema.json").write_text(json.dumps({**document, **keywords}))
    return SchemaStore(tmp_path)


def test_broken_schema_is_refused(tmp_path: Path) -> None:
    broken = _store_with(tmp_path, type="objekt")
    with pytest.raises(Exception):  # noqa: B017 - any metaschema error will do
        Draft202012Validator.check_schema(broken.documents["documented/x.schema.json"])


def test_dangling_ref_is_detected(tmp_path: Path) -> None:
    dangling = _store_with(tmp_path, **{"$ref": "../nowhere.schema.json"})
    with pytest.raises(Exception):  # noqa: B017 - referencing's Unresolvable
        dangling.problem("documented/x.schema.json", {})


def test_a_remembered_answer_is_the_one_a_fresh_store_gives() -> None:
    """The store remembers its answers per body as JSON text: ``true`` is no ``1`` (``success`` must be the constant
    true), keys in another order are another body, and an answer given once is the same when asked again, by
    ``problem`` and by ``is_valid`` in either order."""
    ref = "documented/progress.schema.json"
    body = store().examples(ref)[0]
    one = {**body, "success": 1}
    reordered = dict(reversed(list({**body, "count": "x", "step": 3}.items())))
    remembering = SchemaStore(schemas_dir())
    for instance in (body, one, {**body, "success": True}, reordered, dict(reversed(list(reordered.items())))):
        fresh = SchemaStore(schemas_dir())
        expected = (fresh.problem(ref, instance), SchemaStore(schemas_dir()).is_valid(ref, instance))
        for _ in range(2):
            assert (remembering.problem(ref, instance), remembering.is_valid(ref, instance)) == expected
        assert SchemaStore(schemas_dir()).is_valid(ref, instance) == remembering.is_valid(ref, instance)
    assert remembering.is_valid(ref, body) and not remembering.is_valid(ref, one)


def test_what_a_store_remembers_is_bounded() -> None:
    """A long-lived fleet worker meets bodies without end: at most MEMO_LIMIT answers of each kind, and none for a
    body longer than MEMO_MAX_TEXT as JSON text (still judged right)."""
    ref = "documented/progress.schema.json"
    remembering = SchemaStore(schemas_dir())
    for number in range(MEMO_LIMIT + 10):
        assert remembering.problem(ref, {"n": number}) is not None
        assert not remembering.is_valid("documented/forbidden.schema.json", {"n": number})
        assert len(remembering._answers) <= MEMO_LIMIT and len(remembering._validity) <= MEMO_LIMIT
    remembering = SchemaStore(schemas_dir())
    long = {**store().examples(ref)[0], "padding": "x" * MEMO_MAX_TEXT}
    assert remembering.problem(ref, long) is None and remembering.is_valid(ref, long)
    assert remembering._answers == {} and remembering._validity == {}
