"""contracts/: the OpenAPI fragment, the clause catalogue, the drift registry and the eras."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
from packaging.version import Version

from rocketchat_contract.contract import contract, load_contract
from rocketchat_contract.data import contracts_dir, schemas_dir
from rocketchat_contract.probes import BY_NAME
from rocketchat_contract.schemas import store
from rocketchat_contract.versions import eras, parse_version, specifier

FRAGMENT = contracts_dir() / "getImportProgress.openapi.yaml"
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


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


def test_drift_registry_schema_rejects_an_entry_without_source() -> None:
    data = yaml.safe_load((contracts_dir() / "drift.yaml").read_text())
    del data["entries"][0]["source"]
    assert store().problem("meta/drift-registry.schema.json", data) is not None


def test_not_verified_entries_carry_a_remedy() -> None:
    data = yaml.safe_load((contracts_dir() / "drift.yaml").read_text())
    data["entries"][3].pop("remedy")
    assert data["entries"][3]["outcome"] == "not-verified"
    assert store().problem("meta/drift-registry.schema.json", data) is not None


@pytest.mark.parametrize(
    ("version", "clause", "expected"),
    [
        ("3.18.3", "auth.missing", {"restivus-401-body"}),
        ("7.4.0", "auth.missing", {"restivus-401-body", "compat-401-body"}),
        ("7.5.0", "auth.missing", {"compat-401-body"}),
        ("8.8.1", "auth.missing", {"compat-401-body"}),
        ("5.2.0", "permission.run-import", {"method-level-permission-400", "rate-limited"}),
        ("6.0.0", "permission.run-import", {"rate-limited"}),
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
    assert {e.id for e in contract().drift_for(clause, parse_version(version))} == expected


def test_uncertain_boundaries_say_so() -> None:
    entries = {e.id: e for e in contract().drift}
    for name in ("restivus-401-body", "compat-401-body", "method-level-permission-400"):
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
    ],
)
def test_eras_place_versions(version: str, era: str, steps: str | None) -> None:
    placement = eras().place(parse_version(version))
    assert placement.era.id == era
    if steps:
        assert eras().step_set(placement.judged_as) == steps


def test_newer_versions_are_judged_as_the_newest_known() -> None:
    placement = eras().place(parse_version("9.1.0"))
    assert placement.judged_as == Version("8.8.1")
    assert placement.note and "newer" in placement.note


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
