"""Every event contract's JSON Schema is committed; a change fails here until it is reviewed."""

import pytest

from shared.asyncapi import DOCUMENT, document, rendered
from shared.schemas import production_contracts, schema_of, schema_path, stale_schemas

pytestmark = pytest.mark.unit


def test_committed_schemas_match_the_contracts() -> None:
    assert stale_schemas() == [], (
        "event contracts changed: review the change, then run `make schemas` and commit"
    )


def test_every_contract_documents_itself() -> None:
    for wire_type, contract in production_contracts().items():
        assert contract.__doc__, f"{wire_type} has no docstring"
        assert contract.source.startswith("/")


def test_schema_names_its_wire_type_and_source() -> None:
    for wire_type, contract in production_contracts().items():
        assert f'"$id": "{wire_type}"' in schema_of(contract)
        assert schema_path(wire_type).name == f"{wire_type}.json"


def test_committed_asyncapi_document_matches_the_contracts() -> None:
    assert DOCUMENT.read_text() == rendered(), (
        "the event catalogue changed: run `make schemas` and commit docs/asyncapi.json"
    )


def test_asyncapi_lists_every_contract_on_its_producers_topic() -> None:
    catalogue = document()
    assert catalogue["asyncapi"] == "3.0.0"
    for wire_type, contract in production_contracts().items():
        service = contract.source.strip("/")
        assert catalogue["channels"][service]["address"] == f"trygg.{service}.events"
        names = [m["name"] for m in catalogue["components"]["messages"].values()]
        assert wire_type in names
