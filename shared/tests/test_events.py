"""Contracts, the CloudEvents envelope and the registry (no I/O)."""

from typing import ClassVar

import pytest

from shared.events import (
    CloudEvent,
    Contract,
    InvalidEvent,
    contract_for,
    envelope,
    parse_data,
    parse_envelope,
    register,
)
from shared.testing import ProbeHappened

pytestmark = pytest.mark.unit


class TestEnvelope:
    def test_envelope_carries_the_contract_as_a_cloudevent(self) -> None:
        event = envelope(ProbeHappened(aggregate="a-1", n=3), traceparent="00-abc-def-01")
        assert event.specversion == "1.0"
        assert event.type == "se.trygg.test.probe.happened.v1"
        assert event.source == "/test"
        assert event.subject == "a-1"
        assert event.time.tzinfo is not None
        assert event.data == {"aggregate": "a-1", "n": 3}
        assert event.traceparent == "00-abc-def-01"

    def test_envelope_round_trips_through_json(self) -> None:
        event = envelope(ProbeHappened(aggregate="a-1", n=3))
        parsed = parse_envelope(event.model_dump_json().encode())
        assert parsed == event
        assert parse_data(parsed, ProbeHappened) == ProbeHappened(aggregate="a-1", n=3)

    def test_every_event_gets_its_own_id(self) -> None:
        probe = ProbeHappened(aggregate="a", n=1)
        assert envelope(probe).id != envelope(probe).id


class TestParsing:
    @pytest.mark.parametrize(
        "raw",
        [
            None,
            b"",
            b"not json",
            b"[]",
            b'{"specversion": "0.3", "id": "1", "source": "/x", "type": "t",'
            b' "time": "2026-01-01T00:00:00Z", "data": {}}',
            b'{"specversion": "1.0", "id": "1", "source": "/x", "type": "t",'
            b' "time": "2026-01-01T00:00:00", "data": {}}',
        ],
        ids=["none", "empty", "text", "array", "old-spec", "naive-time"],
    )
    def test_records_that_are_not_cloudevents_are_refused(self, raw: bytes | None) -> None:
        with pytest.raises(InvalidEvent):
            parse_envelope(raw)

    def test_data_that_breaks_the_contract_is_refused(self) -> None:
        event = envelope(ProbeHappened(aggregate="a", n=1))
        broken = CloudEvent.model_validate({**event.model_dump(), "data": {"aggregate": "a"}})
        with pytest.raises(InvalidEvent, match="n: Field required"):
            parse_data(broken, ProbeHappened)

    def test_unknown_fields_in_data_are_refused(self) -> None:
        event = envelope(ProbeHappened(aggregate="a", n=1))
        extra = CloudEvent.model_validate(
            {**event.model_dump(), "data": {"aggregate": "a", "n": 1, "email": "x@y.se"}}
        )
        with pytest.raises(InvalidEvent):
            parse_data(extra, ProbeHappened)


class TestRegistry:
    def test_registered_contract_is_found_by_wire_type(self) -> None:
        assert contract_for("se.trygg.test.probe.happened.v1") is ProbeHappened
        assert contract_for("se.trygg.test.probe.unknown.v1") is None

    def test_a_wire_type_cannot_be_registered_twice(self) -> None:
        class Again(Contract):
            wire_type: ClassVar[str] = "se.trygg.test.probe.happened.v1"

        with pytest.raises(ValueError, match="registered twice"):
            register(Again)

    def test_wire_types_must_be_versioned_reverse_dns_names(self) -> None:
        class Unversioned(Contract):
            wire_type: ClassVar[str] = "se.trygg.test.probe.happened"

        with pytest.raises(ValueError, match="bad wire type"):
            register(Unversioned)
