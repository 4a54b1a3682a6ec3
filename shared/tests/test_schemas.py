"""Every event contract's JSON Schema is committed; a change fails here until it is reviewed."""

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError

import shared.schemas
from shared.schemas import (
    DIALECT,
    SCHEMA_DIR,
    production_contracts,
    schema_of,
    schema_path,
    stale_schemas,
)

pytestmark = pytest.mark.unit


def committed() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(SCHEMA_DIR.glob("*.json"))}


def test_committed_schemas_match_the_contracts() -> None:
    assert stale_schemas() == [], (
        "event contracts changed: review the change, then run `make schemas` and commit"
    )


def test_a_changed_schema_is_caught_until_it_is_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared.schemas, "SCHEMA_DIR", tmp_path)
    shared.schemas.write()
    wire_type = next(iter(production_contracts()))
    reviewed = schema_path(wire_type).read_text()
    schema_path(wire_type).write_text(reviewed.replace("https://trygg.se/", "https://x/"))

    assert stale_schemas() == [wire_type]
    shared.schemas.write()
    assert stale_schemas() == []


def test_every_contract_documents_itself() -> None:
    for wire_type, contract in production_contracts().items():
        assert contract.__doc__, f"{wire_type} has no docstring"
        assert contract.source.startswith("/")


def test_schema_names_its_dialect_wire_type_and_source() -> None:
    for wire_type, contract in production_contracts().items():
        schema = json.loads(schema_of(contract))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"https://trygg.se/schemas/events/{wire_type}.json"
        assert schema["x-source"] == contract.source
        assert schema_path(wire_type).name == f"{wire_type}.json"


def test_every_committed_schema_is_a_valid_2020_12_schema() -> None:
    schemas = committed()
    assert set(schemas) == set(production_contracts())
    for wire_type, schema in schemas.items():
        assert validators.validator_for(schema) is Draft202012Validator, wire_type
        Draft202012Validator.check_schema(schema)


def test_the_metaschema_check_rejects_a_broken_schema() -> None:
    schema = next(iter(committed().values()))
    assert schema["$schema"] == DIALECT
    schema["required"] = "not a list"
    with pytest.raises(SchemaError):
        Draft202012Validator.check_schema(schema)


def test_a_schema_checks_data_through_its_own_definitions() -> None:
    # `area` is a $ref to #/$defs/Polygon: it resolves inside the schema, under its own $id.
    schema = committed()["se.trygg.patrols.hot_spot.designated.v1"]
    errors = Draft202012Validator(schema).iter_errors({"area": {"type": "Circle"}})
    by_place = {tuple(e.absolute_path): e.message for e in errors}
    assert by_place[("area", "type")] == "'Polygon' was expected"
