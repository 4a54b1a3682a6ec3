"""B5: one action plan fanned out to 10,000 and 100,000 residents (and 1,000,000 with
--million), then its emails delivered to a minimal SMTP server.

For each audience size it seeds that many confirmed subscriptions inside the plan's area (and a
tenth as many outside it) in a database of its own, puts an action_plan.published event on a
topic of its own, and times from the event to all notifications committed by notify's consumer
(its set-based fan-out), beside a baseline from the same run: the same number of rows inserted
by a bare asyncpg loop, one INSERT per row. Then notify's dispatcher delivers the first plan's
emails to benchmarks/null_smtp.py, in a process of its own: emails/s is what notify can do,
not what a mail server parsing every message can take.
"""

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from benchkit import Goal, Row, Sizes
from benchstack import BenchStack, recreate, start_null_smtp

from notify import worker
from notify.config import DispatcherSettings, Settings, SmtpSettings
from shared.consumer import ConsumerRunner
from shared.contracts.walks import ActionPlanPublished
from shared.db import asyncpg_dsn, create_engine, create_sessionmaker
from shared.events import envelope
from shared.kafka import create_topics
from shared.settings import ConsumerSettings, DatabaseSettings, KafkaSettings
from shared.testing import migrate, running

AREA = (13.80, 57.15, 13.85, 57.18)  # west, south, east, north: Forsheda and around
SEED = """
INSERT INTO subscription (id, email, language, status, place_kind, place, radius_m, reach,
  municipality_code, channels, created_at, confirmed_at)
SELECT gen_random_uuid(), 'resident' || i || $4 || '@bench.example', 'sv', 'confirmed', 'point',
  p, 100, ST_Expand(ST_Envelope(ST_Buffer(p::geography, 101)::geometry), 0.00001), '0683',
  '{"action_plans": "email"}', now(), now()
FROM (SELECT i, ST_SetSRID(ST_MakePoint($2 + random() * 0.05, $3 + random() * 0.03), 4326) AS p
      FROM generate_series(1, $1) AS i) AS places
"""
BASELINE_TABLE = """
DROP TABLE IF EXISTS notification_baseline;
CREATE TABLE notification_baseline (LIKE notification INCLUDING ALL);
"""
BASELINE_INSERT = """
INSERT INTO notification_baseline (id, message_id, event_id, municipality_code, recipient_kind,
  recipient_id, channel, address, language, status, attempt_budget, next_attempt_at,
  created_at, updated_at)
VALUES ($1, $2, $3, '0683', 'resident', $4, 'email', $5, 'sv', 'created', 8, now(), now(), now())
"""


def plan_event() -> ActionPlanPublished:
    w, s, e, n = AREA
    return ActionPlanPublished.model_validate(
        {
            "plan_id": str(uuid.uuid4()),
            "revision": 1,
            "municipality_code": "0683",
            "locality": "Forsheda",
            "title": "Tryggare kvällar i Forsheda",
            "public_summary": "Bättre belysning och röjd grönska mellan skolan och stationen.",
            "affected_area": {
                "type": "MultiPolygon",
                "coordinates": [[[[w, s], [e, s], [e, n], [w, n], [w, s]]]],
            },
            "buffer_m": 200,
            "measures": [
                {
                    "measure_id": str(uuid.uuid4()),
                    "title": "Byt trasiga armaturer i gångtunneln",
                    "responsible": {"key": "dept:0683:GATA", "name": "Gatuavdelningen"},
                    "priority": "high",
                    "due_date": "2027-12-20",
                    "status": "accepted",
                }
            ],
            "public_url": "https://trygg.example.se/walks/public/action-plans/x.html",
            "published_at": datetime.now(UTC),
        }
    )


async def seed(dsn: str, residents: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE subscription, message, notification, delivery_attempt")
        await conn.execute("TRUNCATE outbox, inbox, cap_alert")
        await conn.execute(SEED, residents, AREA[0], AREA[1], "")
        # A tenth as many far to the east: the spatial filter has something to leave out.
        await conn.execute(SEED, residents // 10, 15.0, 60.0, "-far")
        await conn.execute("ANALYZE subscription")
    finally:
        await conn.close()


async def fan_out(settings: Settings, topic: str, residents: int) -> tuple[float, str]:
    """Seconds from producing the event to its notifications being visible, and its id."""
    service = f"bench{uuid.uuid4().hex[:8]}"
    await create_topics(settings.kafka.bootstrap_servers, [topic, f"trygg.{service}.dlq"], 1)
    engine = create_engine(settings.db)
    consumer = ConsumerRunner(
        service,
        [topic],
        worker.routes(settings),
        create_sessionmaker(engine),
        settings.kafka,
        ConsumerSettings(),
    )
    dsn = asyncpg_dsn(settings.db.url)
    conn = await asyncpg.connect(dsn)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        async with running(consumer.run):
            # A first event nobody is affected by: the consumer has joined once it is handled.
            warm = envelope(plan_event().model_copy(update={"municipality_code": "9999"}))
            await producer.send_and_wait(topic, warm.model_dump_json().encode())
            await _until(conn, "SELECT count(*) FROM inbox", 1)
            event = envelope(plan_event())
            started = time.perf_counter()
            await producer.send_and_wait(topic, event.model_dump_json().encode())
            await _until(conn, f"SELECT count(*) > 0 FROM message WHERE event_id = '{event.id}'", 1)
            created = await conn.fetchval(
                "SELECT count(*) FROM notification WHERE event_id = $1", event.id
            )
            elapsed = time.perf_counter() - started
            assert created == residents, f"{created} notifications for {residents} residents"
            return elapsed, event.id
    finally:
        await producer.stop()
        await conn.close()
        await engine.dispose()


async def _until(
    conn: asyncpg.Connection, query: str, value: Any, every_s: float = 0.005, limit_s: float = 600
) -> None:
    """Poll every few milliseconds, so the times measured are off by at most that."""
    for _ in range(int(limit_s / every_s)):
        if await conn.fetchval(query) == value:
            return
        await asyncio.sleep(every_s)
    raise TimeoutError(f"{query} did not reach {value} within {limit_s} s")


async def baseline(dsn: str, rows: int) -> float:
    """The same number of notification rows, inserted one INSERT at a time by asyncpg."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(BASELINE_TABLE)
        message_id, event_id = uuid.uuid4(), str(uuid.uuid4())
        started = time.perf_counter()
        async with conn.transaction():
            for i in range(rows):
                await conn.execute(
                    BASELINE_INSERT,
                    uuid.uuid4(),
                    message_id,
                    event_id,
                    uuid.uuid4(),
                    f"resident{i}@bench.example",
                )
        return time.perf_counter() - started
    finally:
        await conn.close()


async def deliver(settings: Settings, smtp_port: int, emails: int) -> float:
    """Emails/s from notify's dispatcher to the null SMTP server, until every notification is
    delivered."""
    configured = settings.model_copy(
        update={"smtp": SmtpSettings(port=smtp_port, connections=settings.smtp.connections)}
    )
    engine = create_engine(configured.db)
    outbound = worker.channels(configured)
    dispatcher = worker.dispatcher(configured, create_sessionmaker(engine), outbound)
    conn = await asyncpg.connect(asyncpg_dsn(configured.db.url))
    try:
        started = time.perf_counter()
        async with running(dispatcher.run):
            query = "SELECT count(*) FROM notification WHERE status = 'delivered'"
            await _until(conn, query, emails, every_s=0.02)
        return emails / (time.perf_counter() - started)
    finally:
        await conn.close()
        await outbound.aclose()
        await engine.dispose()


async def requeue(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "UPDATE notification SET status = 'created', next_attempt_at = now(), attempts = 0"
        )
        await conn.execute("TRUNCATE delivery_attempt, outbox")
    finally:
        await conn.close()


async def clear_notifications(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE message, notification, delivery_attempt, outbox, inbox")
    finally:
        await conn.close()


async def audience(settings: Settings, dsn: str, residents: int, runs: int) -> Row:
    """Fan-out and the asyncpg loop, `runs` times each, for one audience size. A million rows
    one INSERT at a time would take minutes a run: that size goes without its baseline."""
    await seed(dsn, residents)
    ours, base = [], []
    for _ in range(runs):
        await clear_notifications(dsn)
        ours.append((await fan_out(settings, f"bench.notify.{uuid.uuid4().hex[:8]}", residents))[0])
        if residents < 1_000_000:
            base.append(await baseline(dsn, residents))
    goal = (
        Goal("≤ 15 s", lambda r: sorted(r.ours)[len(r.ours) // 2] <= 15)
        if residents >= 1_000_000
        else Goal("—")
    )
    return Row(
        "B5",
        f"one plan to {residents:,} residents",
        "s",
        ours,
        base or None,
        "one INSERT per row",
        higher_is_better=False,
        goal=goal,
    )


async def scenario(stack: BenchStack, sizes: Sizes) -> list[Row]:
    url = await recreate(stack, "bench_notify")
    await migrate("notify", url)
    dsn = asyncpg_dsn(url)
    settings = Settings(
        db=DatabaseSettings(url=url),
        kafka=KafkaSettings(bootstrap_servers=stack.bootstrap),
        dispatcher=DispatcherSettings(poll_interval_s=0.05),
    )
    rows = [await audience(settings, dsn, n, sizes.runs) for n in sorted(sizes.residents)]
    # The emails of one plan to the smallest audience, delivered `runs` times.
    smallest = min(sizes.residents)
    await seed(dsn, smallest)
    await clear_notifications(dsn)
    await fan_out(settings, f"bench.notify.{uuid.uuid4().hex[:8]}", smallest)
    smtp_port = stack.smtp_port + 1
    server = await start_null_smtp(smtp_port)
    rates = []
    try:
        for _ in range(sizes.runs):
            rates.append(await deliver(settings, smtp_port, smallest))
            await requeue(dsn)
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), 10)
    rows.append(
        Row(
            "B5",
            f"{smallest:,} emails to a minimal SMTP server",
            "emails/s",
            rates,
            goal=Goal("≥ 5,000 emails/s", lambda r: sorted(r.ours)[len(r.ours) // 2] >= 5000),
        )
    )
    return rows
