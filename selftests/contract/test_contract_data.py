"""contracts/: the OpenAPI fragment, the clause catalogue, the drift registry and the eras."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
from packaging.version import Version

from rocketchat_contract.client.probes import BY_NAME
from rocketchat_contract.contract import fragment
from rocketchat_contract.contract.catalogue import ExtraDriftError, contract, judging, load_contract, load_extra_drift
from rocketchat_contract.contract.data import contracts_dir, schemas_dir
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.contract.versions import eras, parse_version, server_version, specifier

FRAGMENT = contracts_dir() / "getImportProgress.openapi.yaml"
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_fragment_is_valid_openapi_3_1() -> None:
    spec, base_uri = read_from_filename(str(FRAGMENT))
    assert spec["openapi"].startswith("3.1")
    validate(spec, base_uri=base_uri)


def test_fragment_refs_point_at_schema_files() -> None:
    spec = yaml.safe_load(FRAGMENT.read_text())
    refs = _refs(spec)
    assert refs
    for ref in refs:
        path = (FRAGMENT.parent / ref.split("#")[0]).resolve()
        assert path.is_file(), ref
        store().validator(path.relative_to(schemas_dir()).as_posix())


def test_fragment_documents_the_documented_statuses_and_marks_the_rest() -> None:
    responses = yaml.safe_load(FRAGMENT.read_text())["paths"]["/api/v1/getImportProgress"]["get"]["responses"]
    assert {"200", "401", "403"} <= set(responses)
    for status in ("400", "429"):
        assert responses[status].get("x-undocumented") is True, status
    for status in ("200", "401", "403"):
        assert "x-undocumented" not in responses[status], status


def test_fragment_examples_validate() -> None:
    spec, _ = read_from_filename(str(FRAGMENT))
    responses = spec["paths"]["/api/v1/getImportProgress"]["get"]["responses"]
    for status, response in responses.items():
        media = response["content"]["application/json"]
        schema_refs = [s["$ref"] for s in media["schema"].get("anyOf", [media["schema"]])]
        for name, example in media.get("examples", {}).items():
            relatives = [(FRAGMENT.parent / r).resolve().relative_to(schemas_dir()).as_posix() for r in schema_refs]
            assert any(store().is_valid(r, example["value"]) for r in relatives), f"{status} example {name}"


def test_drift_registry_and_clauses_load() -> None:
    loaded = load_contract()
    assert loaded.drift and loaded.clauses
    for entry in loaded.drift:
        specifier(entry.versions)
        store().validator(entry.instead.schema)
    for clause in loaded.clauses:
        if isinstance(clause.probes, tuple):
            assert set(clause.probes) <= set(BY_NAME), clause.id
        if clause.expect:
            store().validator(clause.expect.schema)


def test_drift_entries_change_only_the_clauses_judged_by_status_and_body() -> None:
    """The clauses with a documented status and body are the ones drift covers (propose-drift drafts entries for
    them alone); a check of its own (content type, step set, no leak...) has no status a release could change."""
    loaded = load_contract()
    assert loaded.drift_clauses == ("success.response", "auth.missing", "auth.invalid", "permission.run-import")
    for entry in loaded.drift:
        assert set(entry.clauses) <= set(loaded.drift_clauses), entry.id


def test_drift_registry_schema_rejects_an_entry_without_source() -> None:
    data = yaml.safe_load((contracts_dir() / "drift.yaml").read_text())
    del data["entries"][0]["source"]
    assert store().problem("meta/drift-registry.schema.json", data) is not None


def test_not_verified_entries_carry_a_remedy() -> None:
    data = yaml.safe_load((contracts_dir() / "drift.yaml").read_text())
    entry = next(e for e in data["entries"] if e.get("outcome") == "not-verified")
    entry.pop("remedy")
    assert store().problem("meta/drift-registry.schema.json", data) is not None


@pytest.mark.parametrize(
    ("version", "clause", "expected"),
    [
        ("3.18.3", "auth.missing", {"restivus-401-body"}),
        ("7.4.0", "auth.missing", {"restivus-401-body", "compat-401-body"}),
        ("7.5.0", "auth.missing", {"compat-401-body"}),
        ("8.8.1", "auth.missing", {"compat-401-body"}),
        ("9.0.0", "auth.missing", {"breaking-401-body", "compat-401-body-on-9"}),
        ("9.0.0", "auth.invalid", {"breaking-401-body", "compat-401-body-on-9"}),
        ("9.0.0-rc.8", "auth.missing", {"compat-401-body"}),
        ("9.0.0-rc.1", "auth.invalid", {"compat-401-body"}),
        ("9.1.0-rc.5", "auth.missing", {"breaking-401-body"}),
        ("9.1.0-develop", "auth.invalid", {"breaking-401-body"}),
        ("5.2.0", "permission.run-import", {"method-level-permission-400", "rate-limited-before-permission"}),
        ("6.0.0", "permission.run-import", {"rate-limited-before-permission"}),
        ("8.4.9", "permission.run-import", {"rate-limited-before-permission"}),
        ("8.5.0", "permission.run-import", set()),
        ("8.8.1", "permission.run-import", set()),
        ("9.0.0", "permission.run-import", {"forbidden-error-type"}),
        (
            "9.0.0",
            "success.response",
            {"fresh-server-details-string", "importer-not-defined-details-string", "rate-limited", "count-error-field"},
        ),
        (
            "5.4.0",
            "success.response",
            {
                "fresh-server-details-object",
                "fresh-server-details-string",
                "importer-not-defined-details-object",
                "importer-not-defined-details-string",
                "rate-limited",
            },
        ),
    ],
)
def test_drift_lookup_accepts_both_sides_of_uncertain_boundaries(version: str, clause: str, expected: set[str]) -> None:
    assert {e.id for e in contract().drift_for(clause, server_version(version))} == expected


def test_uncertain_boundaries_say_so() -> None:
    entries = {e.id: e for e in contract().drift}
    for name in (
        "restivus-401-body",
        "compat-401-body",
        "method-level-permission-400",
        "breaking-401-body",
        "compat-401-body-on-9",
        "forbidden-error-type",
        "rate-limited-before-permission",
    ):
        assert entries[name].uncertain


@pytest.mark.parametrize(
    ("version", "era", "steps"),
    [
        ("2.4.1", "pre-3.0", None),
        ("3.18", "E1", "release-3x"),
        ("5.4", "E2", "steps-18"),
        ("6.13.1", "E2", "steps-18"),
        ("7.3.0", "E2", "steps-20"),
        ("8.8", "E3", "steps-20"),
        ("8.9.0rc5", "E3", "steps-20"),
        ("9.0", "E4", "steps-20"),
        ("9.0.3", "E4", "steps-20"),
    ],
)
def test_eras_place_versions(version: str, era: str, steps: str | None) -> None:
    placement = eras().place(parse_version(version))
    assert placement.era.id == era
    if steps:
        assert eras().step_set(placement.judged_as) == steps


def test_newer_versions_are_judged_as_the_newest_known() -> None:
    assert eras().newest_known == server_version("9.1.0-rc.5")
    for newer in ("9.1.0-rc.6", "9.1", "9.2.0", "10.0.0"):
        placement = eras().place(server_version(newer))
        assert placement.judged_as == server_version("9.1.0-rc.5"), newer
        assert placement.note and "newer than the newest known release" in placement.note
        assert "propose-drift" in placement.note
    patch = eras().place(parse_version("9.0.4"))
    assert patch.judged_as == Version("9.0.4") and patch.note is None


def test_shipped_entries_never_start_above_the_newest_known_release() -> None:
    """The judge matches entries on the reported version too (for local entries); shipped ones must not care."""
    newest = eras().newest_known
    for entry in contract().drift:
        for spec in specifier(entry.versions):
            if spec.operator in (">=", ">", "=="):
                assert Version(spec.version) <= newest, entry.id


# -- the OpenAPI fragment and the drift registry ----------------------------------------------------


def _undocumented() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for status, response in fragment.responses(fragment.load()).items():
        for member in fragment.members(response):
            if member.get("x-undocumented"):
                found[(status, member["$ref"])] = list(member.get("x-drift", []))
    return found


def test_fragment_lists_every_drift_body_under_its_status() -> None:
    """Building the fragment from the registry adds nothing: every entry's body is already in the file."""
    assert fragment.document(contract(), store()) == fragment.load()


def test_every_undocumented_fragment_body_is_a_drift_entry_of_that_status() -> None:
    entries = {e.id: e for e in contract().drift}
    listed = _undocumented()
    assert listed
    for (status, ref), ids in listed.items():
        assert ids, f"{status} {ref} names no drift entry"
        for entry_id in ids:
            entry = entries[entry_id]
            assert (str(entry.instead.status), fragment.SCHEMAS + entry.instead.schema) == (status, ref), entry_id
    named = sorted(i for ids in listed.values() for i in ids)
    assert named == sorted(entries)


def test_documented_fragment_bodies_are_the_clauses_expectations() -> None:
    documented = {
        (status, member["$ref"])
        for status, response in fragment.responses(fragment.load()).items()
        for member in fragment.members(response)
        if not member.get("x-undocumented")
    }
    expected = {(str(c.expect.status), fragment.SCHEMAS + c.expect.schema) for c in contract().clauses if c.expect}
    assert documented == expected


def test_fragment_takes_in_the_bodies_of_local_entries(tmp_path: Path) -> None:
    local = tmp_path / "local.yaml"
    local.write_text(
        yaml.safe_dump(
            {
                "entries": [
                    dict(LOCAL_ENTRY),
                    {
                        **LOCAL_ENTRY,
                        "id": "local-418",
                        "instead": {"status": 418, "schema": "observed/forbidden.schema.json"},
                    },
                ]
            }
        )
    )
    built = fragment.document(*judging([local]))
    responses = fragment.responses(built)
    inline = responses["401"]["content"]["application/json"]["schema"]["anyOf"][-1]
    assert inline["x-drift"] == ["local-9-2-0-401-abc123"] and inline["x-undocumented"] is True
    assert inline["properties"]["error"] == {"const": "Authentication required"}
    assert "$id" not in inline and "$schema" not in inline
    assert responses["418"]["x-undocumented"] is True
    assert responses["418"]["content"]["application/json"]["schema"]["anyOf"] == [
        {"$ref": "../schemas/observed/forbidden.schema.json", "x-undocumented": True, "x-drift": ["local-418"]}
    ]
    assert fragment.load() == yaml.safe_load(FRAGMENT.read_text())


# -- local drift files (--extra-drift) --------------------------------------------------------------

LOCAL_ENTRY = {
    "id": "local-9-2-0-401-abc123",
    "clauses": ["auth.missing", "auth.invalid"],
    "versions": ">=9.2.0",
    "instead": {
        "status": 401,
        "body_schema": {
            "type": "object",
            "required": ["success", "error"],
            "additionalProperties": False,
            "properties": {"success": {"const": False}, "error": {"const": "Authentication required"}},
        },
    },
    "summary": "Rocket.Chat 9.2.0 answered 401 with a body the registry does not know.",
    "source": "observed on http://127.0.0.1, 2026-12-01: review and cite a release note or commit before upstreaming",
}


def _local(tmp_path: Path, *entries: object, name: str = "local.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"entries": list(entries)}))
    return path


def test_local_entries_join_the_registry_with_their_file(tmp_path: Path) -> None:
    path = _local(tmp_path, LOCAL_ENTRY)
    judged, schemas = judging([path])
    entry = judged.drift[-1]
    assert entry.origin == str(path) and entry.id in entry.label and str(path) in entry.label
    assert all(e.origin is None for e in judged.drift[:-1])
    body = {"success": False, "error": "Authentication required"}
    assert schemas.is_valid(entry.instead.schema, body)
    assert not schemas.is_valid(entry.instead.schema, {**body, "status": "error"})
    assert judged.drift_for("auth.missing", Version("9.0.0"), Version("9.2.0"))[-1] is entry
    assert entry not in judged.drift_for("auth.missing", Version("8.8.1"))
    assert entry not in judged.drift_for("auth.missing", Version("9.0.0"))
    assert judging([]) == (contract(), store())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"source": None}, "entry local-9-2-0-401-abc123: 'source' is a required property"),
        ({"clauses": ["auth.nothing"]}, "entry local-9-2-0-401-abc123: unknown clauses auth.nothing"),
        ({"versions": "newer"}, "entry local-9-2-0-401-abc123: versions:"),
        ({"id": "compat-401-body"}, "entry compat-401-body: the id is already used by contracts/drift.yaml"),
        ({"instead": {"status": 401}}, "entry local-9-2-0-401-abc123 (instead): give exactly one of schema"),
        ({"instead": {"status": 401, "schema": "observed/nothing.schema.json"}}, "is not a schema file"),
        ({"instead": {"status": 401, "body_schema": {"type": "banana"}}}, "body_schema is not a JSON Schema"),
    ],
)
def test_a_bad_local_entry_is_named_with_its_file(tmp_path: Path, change: dict[str, object], message: str) -> None:
    entry = {key: value for key, value in {**LOCAL_ENTRY, **change}.items() if value is not None}
    path = _local(tmp_path, entry)
    with pytest.raises(ExtraDriftError) as raised:
        load_extra_drift([path])
    text = str(raised.value)
    assert text.startswith(f"--extra-drift {path}") and message in text and "\n" not in text


def test_unreadable_local_files_and_duplicates_across_files(tmp_path: Path) -> None:
    for path, message in [
        (tmp_path / "missing.yaml", "no such file"),
        (tmp_path, "cannot read it"),
        (_write(tmp_path / "broken.yaml", "entries: [\n"), "not valid YAML at line 2"),
        (_write(tmp_path / "empty.yaml", ""), "the file is empty"),
    ]:
        with pytest.raises(ExtraDriftError, match=message):
            load_extra_drift([path])
    first, second = _local(tmp_path, LOCAL_ENTRY, name="a.yaml"), _local(tmp_path, LOCAL_ENTRY, name="b.yaml")
    with pytest.raises(
        ExtraDriftError, match=f"{second}: entry local-9-2-0-401-abc123: the id is already used by {first}"
    ):
        load_extra_drift([first, second])


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/reference/ is not beside the checkout")
def test_official_openapi_examples_match_our_schemas() -> None:
    official = yaml.safe_load((REFERENCE / "rocketchat-official-openapi-getImportProgress.yaml").read_text())
    get = official["paths"]["/api/v1/getImportProgress"]["get"]
    ok = get["responses"]["200"]["content"]["application/json"]["examples"]["Success"]["value"]
    assert store().problem("documented/progress.schema.json", ok) is None
    components = official["components"]["responses"]
    unauthorized = components["authorizationError"]["content"]["application/json"]["examples"]
    assert (
        store().problem("observed/unauthorized-restivus.schema.json", unauthorized["Authorization Error"]["value"])
        is None
    )
    forbidden = components["forbiddenError"]["content"]["application/json"]["examples"]
    assert store().problem("documented/forbidden.schema.json", forbidden["Permission Error"]["value"]) is None


def test_prose_in_contract_data_is_not_cut_by_yaml_comments() -> None:
    """An unquoted ' #' starts a YAML comment; every sentence in the data must arrive whole."""
    for name in ("drift.yaml", "eras.yaml", "clauses.yaml"):
        data = yaml.safe_load((contracts_dir() / name).read_text())
        for section in data.values():
            if not isinstance(section, list):
                continue
            for entry in section:
                for key in ("uncertain", "summary", "statement"):
                    if key in entry:
                        assert entry[key].rstrip().endswith((".", ")", "]")), f"{name}: {entry[key]!r}"
