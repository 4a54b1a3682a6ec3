"""The event catalogue: current, complete, and a valid AsyncAPI 3.0 document to the official
parser (`deploy/validate-asyncapi.mjs`, run on Node with the packages of package-lock.json)."""

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from shared.asyncapi import DOCUMENT, catalogue, document, rendered
from shared.events import CloudEvent, Contract
from shared.schemas import production_contracts

pytestmark = pytest.mark.unit

VALIDATOR = Path(__file__).resolve().parents[2] / "deploy" / "validate-asyncapi.mjs"


def validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(VALIDATOR), *map(str, paths)], capture_output=True, text=True, timeout=300
    )


def test_committed_asyncapi_document_matches_the_contracts() -> None:
    assert DOCUMENT.read_text() == rendered(), (
        "the event catalogue changed: run `make schemas` and commit docs/asyncapi.json"
    )


def test_asyncapi_lists_every_contract_on_its_producers_topic() -> None:
    current = document()
    assert current["asyncapi"] == "3.0.0"
    for wire_type, contract in production_contracts().items():
        service = contract.source.strip("/")
        assert current["channels"][service]["address"] == f"trygg.{service}.events"
        names = [m["name"] for m in current["components"]["messages"].values()]
        assert wire_type in names


def test_the_official_parser_finds_no_error_or_warning_in_the_committed_document() -> None:
    result = validate(DOCUMENT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"{DOCUMENT}: a valid AsyncAPI 3.0.0 document\n"


def _without_a_nested_model(broken: dict[str, Any]) -> None:
    del broken["components"]["schemas"]["Point"]


def _with_a_numeric_address(broken: dict[str, Any]) -> None:
    broken["channels"]["walks"]["address"] = 9092


BREAKAGES = {
    _without_a_nested_model: "error invalid-ref at ",
    _with_a_numeric_address: "at #/channels/walks/address: ",
}


@pytest.fixture(scope="module")
def broken_copies(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[str]]:
    """Each breakage applied to its own copy of the document, all parsed in one Node run."""
    paths = []
    for breakage in BREAKAGES:
        broken = document()
        breakage(broken)
        path = tmp_path_factory.mktemp(breakage.__name__) / "asyncapi.json"
        path.write_text(json.dumps(broken))
        paths.append(path)
    result = validate(*paths)
    return result.returncode, result.stdout.splitlines()


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_the_parser_fails_on_a_broken_document(
    broken_copies: tuple[int, list[str]], breakage: Callable[[dict[str, Any]], None]
) -> None:
    returncode, lines = broken_copies
    said = [line for line in lines if f"{breakage.__name__}" in line]

    assert returncode == 1
    assert any(BREAKAGES[breakage] in line for line in said), lines
    assert said[-1].endswith(": 1 problem(s)")


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [r for k, v in node.items() for r in ([v] if k == "$ref" else _refs(v))]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_every_reference_is_to_a_definition_in_the_document() -> None:
    current = document()
    refs = _refs(current)
    assert "#/components/schemas/MultiPolygon" in refs
    assert "#/components/schemas/ResponsibleOrganisation" in refs
    for ref in refs:
        assert _resolve(current, ref), ref
    assert "x-definitions" not in DOCUMENT.read_text()
    assert "$defs" not in DOCUMENT.read_text()


def test_a_model_many_contracts_use_is_defined_once_under_its_own_name() -> None:
    schemas = document()["components"]["schemas"]
    point = schemas["Point"]
    assert point["properties"]["type"]["const"] == "Point"
    assert not [name for name in schemas if name != "Point" and name.endswith("Point")]


def test_tuples_are_written_as_draft_07_item_lists() -> None:
    # An AsyncAPI schema is draft-07, which knows no `prefixItems`: a position is [lon, lat].
    position = document()["components"]["schemas"]["Point"]["properties"]["coordinates"]
    assert [p["maximum"] for p in position["items"]] == [180, 90]
    assert "prefixItems" not in DOCUMENT.read_text()


def test_the_envelope_describes_every_attribute_a_record_carries() -> None:
    attributes = set(CloudEvent.model_fields)
    for message in document()["components"]["messages"].values():
        payload = message["payload"]
        assert set(payload["properties"]) == attributes
        assert set(payload["required"]) == attributes - {"traceparent"}
        for name, schema in payload["properties"].items():
            assert schema["description"], name


def test_traceparent_is_an_optional_w3c_trace_context_string() -> None:
    message = document()["components"]["messages"]["walks_walk_scheduled_v1"]
    traceparent = message["payload"]["properties"]["traceparent"]
    assert traceparent["type"] == ["string", "null"]
    assert "W3C Trace Context" in traceparent["description"]
    assert "traceparent" not in message["headers"]["required"]
    assert message["headers"]["properties"]["traceparent"]["type"] == "string"


class _Probe(Contract):
    source: ClassVar[str] = "/probe"
    aggregate_type: ClassVar[str] = "probe"

    def aggregate_id(self) -> str:
        return "probe"


class Street:
    class Place(BaseModel):
        street: str


class Grid:
    class Place(BaseModel):
        cell: int


class StreetPlaced(_Probe):
    """A place given by its street."""

    wire_type: ClassVar[str] = "se.trygg.probe.street.placed.v1"
    place: Street.Place


class GridPlaced(_Probe):
    """A place given by its grid cell."""

    wire_type: ClassVar[str] = "se.trygg.probe.grid.placed.v1"
    place: Grid.Place


def _place_of(document: dict[str, Any], contract: str) -> tuple[str, dict[str, Any]]:
    ref = document["components"]["schemas"][contract]["properties"]["place"]["$ref"]
    return ref, _resolve(document, ref)


def test_two_different_models_of_one_name_get_distinct_names_every_time() -> None:
    both = catalogue([StreetPlaced, GridPlaced])

    street_ref, street = _place_of(both, "StreetPlaced")
    grid_ref, grid = _place_of(both, "GridPlaced")

    assert street_ref != grid_ref
    assert "Place" in street_ref
    assert "Place" in grid_ref
    assert list(street["properties"]) == ["street"]
    assert list(grid["properties"]) == ["cell"]
    assert catalogue([GridPlaced, StreetPlaced]) == both
