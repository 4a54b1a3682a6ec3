"""Benchmark: one action plan fanned out to 10,000 and to 100,000 residents, then delivered.

Run it against a running stack (the test stack here; `make up`'s with --pg-port 55432
--bootstrap 127.0.0.1:9092):

    .venv/bin/python benchmarks/notify_fanout.py --pg-port 55433 --bootstrap 127.0.0.1:19092

For each audience size it seeds that many confirmed subscriptions inside the plan's area (and a
tenth as many outside it), puts an action_plan.published event on a topic of its own, and
prints the time from the event to all notifications committed by notify's consumer (its
set-based fan-out), beside a baseline from the same run: the same number of rows inserted by a
bare asyncpg loop, one INSERT per row. Then notify's dispatcher delivers the smaller plan's
emails, first to a minimal SMTP server (benchmarks/null_smtp.py: what notify can do), then
again to the dev mail sink (deploy/sinks/mail_sink.py, which parses and stores every message),
each in a process of its own. Targets on 2 cores: 10,000 created within 1 s, 100,000 within
8 s, delivery at 1,000 emails/s or more.
"""

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from notify import worker
from notify.config import DispatcherSettings, Settings, SmtpSettings
from shared.consumer import ConsumerRunner
from shared.contracts.walks import ActionPlanPublished
from shared.db import DatabaseSettings, asyncpg_dsn, create_engine, create_sessionmaker
from shared.events import envelope
from shared.kafka import create_topics
from shared.settings import DEV_DATABASE_PASSWORD, ConsumerSettings, KafkaSettings
from shared.testing import migrate, running

ROOT = Path(__file__).resolve().parents[1]
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mail_sink(port: int, folder: str) -> list[str]:
    return [
        sys.executable,
        str(ROOT / "deploy/sinks/mail_sink.py"),
        "--port",
        str(port),
        "--dir",
        folder,
    ]


def null_smtp(port: int, _: str) -> list[str]:
    return [sys.executable, str(ROOT / "benchmarks/null_smtp.py"), str(port)]


async def deliver(
    settings: Settings, emails: int, folder: str, sink: Callable[[int, str], list[str]]
) -> float:
    """Emails/s from notify's dispatcher to an SMTP server of its own process, until every
    notification is delivered."""
    port = _free_port()
    server = await asyncio.create_subprocess_exec(*sink(port, folder), stdout=subprocess.DEVNULL)
    try:
        await _until_listening(port)
        configured = settings.model_copy(
            update={"smtp": SmtpSettings(port=port, connections=settings.smtp.connections)}
        )
        engine = create_engine(configured.db)
        outbound = worker.channels(configured)
        dispatcher = worker.dispatcher(configured, create_sessionmaker(engine), outbound)
        conn = await asyncpg.connect(asyncpg_dsn(configured.db.url))
        started = time.perf_counter()
        async with running(dispatcher.run):
            query = "SELECT count(*) FROM notification WHERE status = 'delivered'"
            await _until(conn, query, emails, every_s=0.1)
        elapsed = time.perf_counter() - started
        await conn.close()
        await outbound.aclose()
        await engine.dispose()
        return emails / elapsed
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), 10)


async def _until_listening(port: int) -> None:
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
    raise RuntimeError("the mail sink did not start")


async def main(args: argparse.Namespace) -> None:
    base = f"postgresql+asyncpg://trygg:{DEV_DATABASE_PASSWORD}@127.0.0.1:{args.pg_port}"
    admin = await asyncpg.connect(asyncpg_dsn(f"{base}/postgres"))
    await admin.execute("DROP DATABASE IF EXISTS notify_bench WITH (FORCE)")
    await admin.execute("CREATE DATABASE notify_bench")
    await admin.close()
    url = f"{base}/notify_bench"
    await migrate("notify", url)
    settings = Settings(
        db=DatabaseSettings(url=url),
        kafka=KafkaSettings(bootstrap_servers=args.bootstrap),
        smtp=SmtpSettings(connections=args.connections),
        dispatcher=DispatcherSettings(
            batch_size=args.batch, lanes=args.lanes, poll_interval_s=0.05
        ),
    )
    targets = {10_000: 1.0, 100_000: 8.0}
    print("audience   event→rows   asyncpg loop   speed-up   target")
    for residents in args.residents:
        await seed(asyncpg_dsn(url), residents)
        topic = f"bench.notify.{uuid.uuid4().hex[:8]}"
        fanned, _ = await fan_out(settings, topic, residents)
        loop = await baseline(asyncpg_dsn(url), residents)
        target = targets.get(residents)
        verdict = (
            "" if target is None else f"{'met' if fanned <= target else 'NOT met'} (≤ {target} s)"
        )
        speedup = loop / fanned
        print(
            f"{residents:>8,}   {fanned:>8.2f} s    {loop:>8.2f} s    {speedup:>6.1f}x   {verdict}"
        )
        if residents == args.residents[0]:
            await report_delivery(settings, url, residents)


async def report_delivery(settings: Settings, url: str, emails: int) -> None:
    """Deliver the plan's emails twice: to a minimal SMTP server (what notify can do), then,
    queued again, to the dev mail sink, which parses and stores each (what a newcomer sees)."""
    # The mail sink writes a file per message: on tmpfs, so the disk is not what is measured.
    with tempfile.TemporaryDirectory(dir="/dev/shm") as folder:
        for name, sink in (("a minimal SMTP server", null_smtp), ("the dev mail sink", mail_sink)):
            rate = await deliver(settings, emails, folder, sink)
            verdict = "met" if rate >= 1000 else "NOT met"
            print(f"           delivery of {emails:,} emails to {name}: {rate:,.0f}/s ({verdict})")
            await requeue(asyncpg_dsn(url))


async def requeue(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "UPDATE notification SET status = 'created', next_attempt_at = now(), attempts = 0"
        )
        await conn.execute("TRUNCATE delivery_attempt, outbox")
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg-port", type=int, default=55433)
    parser.add_argument("--bootstrap", default="127.0.0.1:19092")
    parser.add_argument("--residents", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--connections", type=int, default=8, help="SMTP connections")
    parser.add_argument("--batch", type=int, default=500, help="notifications per batch")
    parser.add_argument("--lanes", type=int, default=2, help="batches in flight")
    asyncio.run(main(parser.parse_args()))
