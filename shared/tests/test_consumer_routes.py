"""How the consumer splits a partition's batch between its routes, without I/O: a batch route
takes consecutive events of its type together, and the partition's order holds throughout."""

from collections.abc import Sequence
from typing import Any

from aiokafka import ConsumerRecord
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.consumer import Batch, EventMeta, Received
from shared.consumer.handling import parse, runs
from shared.consumer.routes import Item, Route
from shared.testing import ProbeHappened, probe_record


async def _probes(batch: Sequence[Received], session: AsyncSession, /) -> None:
    return None


async def _other(batch: Sequence[Received], session: AsyncSession, /) -> None:
    return None


async def _one(event: Any, session: AsyncSession, /, *, meta: EventMeta) -> None:
    return None


PROBES, OTHER = Batch(_probes), Batch(_other)


def _record(offset: int, value: bytes = b"") -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("t", 0, offset, 0, 0, b"k", value, None, 1, len(value), [])


def _items(*routes: Route) -> list[Item]:
    return [Item(_record(offset), route=route) for offset, route in enumerate(routes)]


def _offsets(items: list[Item]) -> list[list[int]]:
    return [[item.record.offset for item in run] for run in runs(items)]


def test_consecutive_events_of_a_batch_route_go_together() -> None:
    assert _offsets(_items(PROBES, PROBES, PROBES)) == [[0, 1, 2]]


def test_another_route_between_them_splits_the_run_so_the_order_holds() -> None:
    items = _items(PROBES, PROBES, _one, PROBES, OTHER, OTHER, PROBES)
    assert _offsets(items) == [[0, 1], [2], [3], [4, 5], [6]]


def test_events_of_a_per_event_route_run_one_at_a_time() -> None:
    assert _offsets(_items(_one, _one, _one)) == [[0], [1], [2]]


def test_a_record_is_parsed_into_its_event_and_route() -> None:
    item = parse(_record(7, probe_record("a", 3)), {ProbeHappened.wire_type: PROBES})
    assert item.route is PROBES
    assert item.event == ProbeHappened(aggregate="a", n=3)
    received = item.received()
    assert (received.meta.offset, received.meta.type) == (7, ProbeHappened.wire_type)


def test_a_record_that_breaks_its_contract_has_an_error_and_no_route() -> None:
    broken = probe_record("a", 3).replace(b'"n":3', b'"n":"three"')
    item = parse(_record(0, broken), {ProbeHappened.wire_type: PROBES})
    assert item.route is None
    assert "data breaks" in str(item.error)
