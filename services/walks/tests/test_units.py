"""Rules without I/O: geometry checks, organisation numbers, transitions, committed schemas."""

import json

import pytest
from pydantic import BaseModel, ValidationError

from shared import geo
from shared.contracts import walks as contracts
from shared.events import registered
from shared.identifiers import org_number_ok
from shared.schemas import schema_of, schema_path
from walks.domain import (
    MEASURE_TRANSITIONS,
    MeasureStatus,
    may_change_measure,
)
from walks_testkit import bowtie, square, world

pytestmark = pytest.mark.unit

WALKS_CONTRACTS = {t: c for t, c in registered().items() if t.startswith("se.trygg.walks.")}
PERSONAL_FIELDS = {"email", "phone", "created_by", "published_by", "subject", "participants"}
# `name` is allowed only where it names a place or an organisation, never a person.
NAMED_THINGS = {"NamedPlace", "ResponsibleOrganisation"}


class Holder(BaseModel):
    area: geo.Area


class TestGeometry:
    def test_accepts_a_polygon_and_a_multipolygon(self) -> None:
        Holder.model_validate({"area": square()})
        Holder.model_validate(
            {"area": {"type": "MultiPolygon", "coordinates": [square()["coordinates"]]}}
        )

    def test_refuses_a_bowtie_at_the_field(self) -> None:
        with pytest.raises(ValidationError) as caught:
            Holder.model_validate({"area": bowtie()})
        [error] = caught.value.errors()
        assert error["loc"] == ("area",)
        assert "Self-intersection" in error["msg"]

    def test_admits_an_area_the_size_of_kiruna(self) -> None:
        # Kiruna, the largest municipality, spans some 3.5° of longitude by 2° of latitude.
        w, s, e, n = 19.0, 67.2, 22.5, 69.2
        kiruna = {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
        Holder.model_validate({"area": kiruna})

    @pytest.mark.parametrize(
        "area",
        [
            world(),
            square(size=8.5),
            {
                "type": "MultiPolygon",
                "coordinates": [square(13, 57)["coordinates"], square(23, 57)["coordinates"]],
            },
        ],
    )
    def test_refuses_an_area_larger_than_a_municipality_at_the_field(
        self, area: dict[str, object]
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            Holder.model_validate({"area": area})
        [error] = caught.value.errors()
        assert error["loc"] == ("area",)
        assert "a municipality's size" in error["msg"]

    def test_refuses_nan_and_out_of_range(self) -> None:
        for lon in (float("nan"), 181.0):
            with pytest.raises(ValidationError):
                geo.Point.model_validate({"type": "Point", "coordinates": [lon, 57.0]})

    def test_a_line_needs_two_distinct_positions(self) -> None:
        with pytest.raises(ValidationError):
            geo.LineString.model_validate({"type": "LineString", "coordinates": [[1, 2], [1, 2]]})

    def test_round_trips_through_postgis_form(self) -> None:
        polygon = geo.Polygon.model_validate(square())
        assert (
            geo.Polygon.model_validate(geo.from_db(geo.to_db(polygon)))
            .to_shape()
            .equals(polygon.to_shape())
        )

    def test_parses_a_bounding_box(self) -> None:
        assert geo.BBox.parse("13.8,57.1,13.9,57.2") == geo.BBox(13.8, 57.1, 13.9, 57.2)
        for text in ("13.9,57.1,13.8,57.2", "1,2,3", "a,b,c,d"):
            with pytest.raises(ValueError, match=r"give four numbers|west < east"):
                geo.BBox.parse(text)


class TestDomain:
    @pytest.mark.parametrize(
        ("number", "valid"),
        [
            ("212000-0605", True),
            ("2120000605", True),
            ("556016-0680", True),
            ("556016-0681", False),
        ],
    )
    def test_organisation_number_check_digit(self, number: str, valid: bool) -> None:
        assert org_number_ok(number) is valid

    def test_finished_measures_stay_finished(self) -> None:
        assert MEASURE_TRANSITIONS[MeasureStatus.DONE] == frozenset()
        assert MEASURE_TRANSITIONS[MeasureStatus.REJECTED] == frozenset()
        assert may_change_measure(MeasureStatus.PROPOSED, MeasureStatus.ACCEPTED)
        assert not may_change_measure(MeasureStatus.PROPOSED, MeasureStatus.DONE)


class TestContracts:
    def test_every_walks_event_is_registered(self) -> None:
        assert sorted(WALKS_CONTRACTS) == sorted(
            f"se.trygg.walks.{name}.v1"
            for name in (
                "walk.scheduled",
                "walk.rescheduled",
                "walk.conducted",
                "protocol.published",
                "action_plan.published",
                "action_plan.revised",
                "action_plan.withdrawn",
                "measure.status_changed",
            )
        )

    @pytest.mark.parametrize("wire_type", sorted(WALKS_CONTRACTS))
    def test_committed_schema_is_current(self, wire_type: str) -> None:
        assert schema_path(wire_type).read_text() == schema_of(WALKS_CONTRACTS[wire_type])

    @pytest.mark.parametrize("wire_type", sorted(WALKS_CONTRACTS))
    def test_no_contract_has_a_field_for_personal_data(self, wire_type: str) -> None:
        schema = json.loads(schema_of(WALKS_CONTRACTS[wire_type]))
        fields = set(schema["properties"])
        for name, definition in schema.get("$defs", {}).items():
            properties = set(definition.get("properties", {}))
            fields |= properties
            assert "name" not in properties or name in NAMED_THINGS
        assert "name" not in schema["properties"]
        assert not fields & PERSONAL_FIELDS

    def test_plan_events_are_keyed_by_the_plan(self) -> None:
        for contract in (
            contracts.ActionPlanPublished,
            contracts.ActionPlanRevised,
            contracts.ActionPlanWithdrawn,
            contracts.MeasureStatusChanged,
        ):
            assert contract.aggregate_type == "action_plan"
            assert len(contract.__doc__ or "") > 80
