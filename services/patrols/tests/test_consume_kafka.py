"""The patrols worker against the real broker: tips' and walks' events on their topics become
incidents, once however often they come; other events on those topics are passed over."""

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from patrols_testkit import BREDARYD, FORSHEDA, HOME
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from backbone import end_offsets, produce_raw
from patrols import worker
from patrols.config import Settings
from shared.contracts.tips import GridCell, TimeBlock, TipReceived, TipTriaged
from shared.contracts.walks import WalkConducted
from shared.db import create_sessionmaker
from shared.events import Contract, envelope
from shared.settings import ConsumerSettings, DatabaseSettings, dead_letter_topic, events_topic
from shared.testing import TestStack, migrate, records_keyed, recreate_database, running, wait_until
from shared.worker import Job

pytestmark = pytest.mark.kafka

TIPS = events_topic("tips")
WALKS = events_topic("walks")
GROUP = f"trygg.{worker.SERVICE}"
INCIDENTS = (
    "SELECT source, external_id, category, locality, ST_AsText(location) AS place FROM incident"
)


@pytest.fixture(scope="module")
async def consume_db(stack: TestStack) -> str:
    """A database of its own: the worker commits, and the service tier counts rows."""
    url = await recreate_database(stack, "patrols_consume")
    await migrate("patrols", url)
    return url


@pytest.fixture(scope="module")
async def consume_engine(consume_db: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(consume_db)
    yield engine
    await engine.dispose()


def worker_settings(stack: TestStack, url: str) -> Settings:
    return Settings(
        db=DatabaseSettings(url=url, pool_size=2, max_overflow=2),
        kafka=stack.kafka_settings(send_timeout_s=5.0, stop_timeout_s=5.0),
        consumer=ConsumerSettings(backoff_initial_s=0.1, backoff_max_s=1.0),
    )


def tip(cell: bool, **overrides: Any) -> TipReceived:
    start = datetime(2026, 11, 28, 21, tzinfo=UTC)
    block = TimeBlock(start=start, end=start + timedelta(hours=3))
    square = GridCell(
        size_m=250,
        east=432000,
        north=6340000,
        centre={"type": "Point", "coordinates": FORSHEDA},
    )
    fields: dict[str, Any] = {
        "tip_id": uuid.uuid4(),
        "municipality_code": HOME,
        "category": "narcotics",
        "source_type": "public",
        "locality": "Forsheda",
        "cell": square if cell else None,
        "occurred": block,
        "occurred_known": True,
        "received": block,
    }
    return TipReceived.model_validate({**fields, **overrides})


def walk(*sentiments: str) -> WalkConducted:
    ring = [[13.73, 57.16], [13.76, 57.16], [13.76, 57.18], [13.73, 57.18], [13.73, 57.16]]
    observations = [
        {
            "observation_id": str(uuid.uuid4()),
            "location": {"type": "Point", "coordinates": BREDARYD},
            "category": "lighting",
            "sentiment": sentiment,
        }
        for sentiment in sentiments
    ]
    return WalkConducted.model_validate(
        {
            "walk_id": str(uuid.uuid4()),
            "municipality_code": HOME,
            "locality": "Bredaryd",
            "area": {"type": "Polygon", "coordinates": [ring]},
            "conducted_at": "2026-11-20T18:00:00+01:00",
            "light_condition": "after_dark",
            "participants_by_role": {"resident": 5},
            "observations": observations,
        }
    )


def record(event: Contract) -> tuple[bytes, bytes]:
    """The event as its producer's relay puts it on Kafka: keyed by its aggregate."""
    return event.aggregate_id().encode(), envelope(event).model_dump_json().encode()


async def incidents(engine: AsyncEngine, external_ids: Sequence[str]) -> list[Any]:
    async with engine.connect() as conn:
        query = text(f"{INCIDENTS} WHERE external_id = ANY(:ids) ORDER BY external_id")
        return list((await conn.execute(query, {"ids": list(external_ids)})).all())


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql), params)).scalar_one())


async def committed(stack: TestStack, topic: str) -> dict[int, int]:
    """The worker's group's committed offsets on one of the topics it reads."""
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(GROUP)
    finally:
        await admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}


async def drained(stack: TestStack) -> None:
    """Until the worker's group has committed every record of both topics."""
    for topic in worker.TOPICS:
        await caught_up(stack, topic, await end_offsets(stack, topic))


async def caught_up(stack: TestStack, topic: str, ends: dict[int, int]) -> None:
    async def there() -> bool:
        return await committed(stack, topic) == ends

    await wait_until(there, 60, f"the worker to commit the end of {topic}")


async def run_all(jobs: Sequence[Job], stack: AsyncExitStack) -> None:
    for job in jobs:
        await stack.enter_async_context(running(job))


async def test_tips_and_walks_become_incidents_once_however_often_they_come(
    stack: TestStack, consume_db: str, consume_engine: AsyncEngine
) -> None:
    with_square, without_square = tip(cell=True), tip(cell=False, locality="Bor")
    conducted = walk("negative", "positive")
    negative, positive = (str(o.observation_id) for o in conducted.observations)
    triaged = TipTriaged(
        tip_id=with_square.tip_id, municipality_code=HOME, category="narcotics", status="triaged"
    )
    tip_records = [record(with_square), record(without_square), record(triaged)]
    walk_records = [record(conducted)]
    ids = [str(with_square.tip_id), str(without_square.tip_id), negative, positive]

    settings = worker_settings(stack, consume_db)
    sessionmaker = create_sessionmaker(consume_engine)
    async with AsyncExitStack() as jobs:
        await run_all(worker.jobs(settings)(sessionmaker), jobs)
        await produce_raw(stack, TIPS, tip_records)
        await produce_raw(stack, WALKS, walk_records)

        async def three_incidents() -> bool:
            return len(await incidents(consume_engine, ids)) == 3

        await wait_until(three_incidents, 90, "the tips and the walk's observation as incidents")
        # Redelivered as they were (the inbox knows them), and published anew under new event
        # ids, as a relay that lost its acknowledgement would (the incidents' key knows them).
        await produce_raw(stack, TIPS, [*tip_records, record(with_square)])
        await produce_raw(stack, WALKS, [*walk_records, record(conducted)])
        await drained(stack)

    stored = {row.external_id: row for row in await incidents(consume_engine, ids)}
    assert set(stored) == {str(with_square.tip_id), str(without_square.tip_id), negative}
    square = stored[str(with_square.tip_id)]
    assert (square.source, square.category, square.locality) == ("tip", "narcotics", "Forsheda")
    assert square.place == f"POINT({FORSHEDA[0]} {FORSHEDA[1]})"
    locality_only = stored[str(without_square.tip_id)]
    assert (locality_only.place, locality_only.locality) == (None, "Bor")
    observed = stored[negative]
    assert (observed.source, observed.category, observed.locality) == (
        "walk",
        "lighting",
        "Bredaryd",
    )


async def test_other_events_on_the_topics_are_passed_over_not_dead_lettered(
    stack: TestStack, consume_db: str, consume_engine: AsyncEngine
) -> None:
    received = tip(cell=True)
    triaged = TipTriaged(
        tip_id=received.tip_id, municipality_code=HOME, category="narcotics", status="triaged"
    )
    passed_over = envelope(triaged)
    settings = worker_settings(stack, consume_db)
    async with running(worker.consumer(settings, create_sessionmaker(consume_engine)).run):
        await produce_raw(
            stack,
            TIPS,
            [
                (str(received.tip_id).encode(), passed_over.model_dump_json().encode()),
                record(received),
            ],
        )
        await drained(stack)
    assert len(await incidents(consume_engine, [str(received.tip_id)])) == 1
    handled = "SELECT count(*) FROM inbox WHERE id = :id"
    assert await scalar(consume_engine, handled, id=passed_over.id) == 0
    letters = await records_keyed(
        stack.bootstrap, dead_letter_topic("patrols"), str(received.tip_id), partitions=3
    )
    assert letters == []


async def test_the_worker_purges_expired_idempotency_keys_and_keeps_fresh_ones(
    stack: TestStack, consume_db: str, consume_engine: AsyncEngine
) -> None:
    keys = "INSERT INTO idempotency_key (subject, route, key, request_hash, created_at) VALUES "
    async with consume_engine.begin() as conn:
        await conn.execute(
            text(
                keys + "('tester', '/x', 'expired', 'h', now() - interval '2 days'), "
                "('tester', '/x', 'fresh', 'h', now())"
            )
        )
    left = "SELECT count(*) FROM idempotency_key WHERE key = :key"

    async def purged() -> bool:
        return await scalar(consume_engine, left, key="expired") == 0

    async with AsyncExitStack() as jobs:
        settings = worker_settings(stack, consume_db)
        await run_all(worker.jobs(settings)(create_sessionmaker(consume_engine)), jobs)
        await wait_until(purged, 30, "the expired key to be purged")
    assert await scalar(consume_engine, left, key="fresh") == 1
