"""The outbox relay: publishes committed outbox rows to Kafka, in order, at least once.

Rows are selected by "not yet published", never by "after the last id seen": sequence values
are taken before commit, so a cursor would skip rows that commit late. One relay per service is
active at a time (a PostgreSQL advisory lock), so one aggregate's events are never reordered.
"""

import asyncio
import contextlib
import logging
import time
import zlib
from collections import deque
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from shared.kafka import BrokerTimeout, bounded, start_producer, stop_quietly
from shared.metrics import (
    RELAY_BATCH_SECONDS,
    RELAY_DATABASE_OUTAGES,
    RELAY_PUBLISHED,
    RELAY_SEND_FAILURES,
)
from shared.settings import KafkaSettings, RelaySettings
from shared.tracing import end_on_ack, start_publish

log = logging.getLogger(__name__)

SELECT_BATCH = """
SELECT seq, id::text AS id, aggregateid, type, payload::text AS payload, traceparent
FROM outbox WHERE published_at IS NULL AND seq > $2 ORDER BY seq LIMIT $1
"""
MARK_PUBLISHED = """
UPDATE outbox SET published_at = now(), attempts = attempts + 1
WHERE seq = ANY($1::bigint[])
"""
MARK_FAILED = """
UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE seq = ANY($1::bigint[])
"""
PURGE = """
DELETE FROM outbox WHERE seq IN (
  SELECT seq FROM outbox
  WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1)
  LIMIT $2)
"""
CONTENT_TYPE_HEADER = ("content-type", b"application/cloudevents+json")
# Errors that mean "the database is not there right now": reconnect and carry on.
DATABASE_DOWN = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    TimeoutError,
)


@dataclass
class _Batch:
    seqs: list[int]
    acks: asyncio.Future[list[object]]
    started: float


def _retrieve(future: asyncio.Future[list[object]]) -> None:
    """Consume the outcome of acks nobody waits for any more, so it is not logged as lost."""
    if not future.cancelled():
        future.exception()


def advisory_key(service: str) -> int:
    """A stable 32-bit lock key per service."""
    return zlib.crc32(f"trygg.relay.{service}".encode())


@dataclass
class Relay:
    service: str
    dsn: str
    topic: str
    kafka: KafkaSettings
    settings: RelaySettings
    is_leader: bool = False
    last_progress: float = field(default_factory=time.monotonic)
    _producer: AIOKafkaProducer | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _last_purge: float = 0.0
    _failures: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set, surviving database and broker outages."""
        backoff = 0.2
        while not stop.is_set():
            try:
                await self._lead(stop)
                backoff = 0.2
            except DATABASE_DOWN as exc:
                log.warning("relay lost the database: %r", exc)
                RELAY_DATABASE_OUTAGES.labels(self.service).inc()
            self.is_leader = False
            await _wait(stop, backoff)
            backoff = min(backoff * 2, 5.0)
        await self._drop_producer()

    async def _lead(self, stop: asyncio.Event) -> None:
        conn = await asyncpg.connect(self.dsn, timeout=10)
        try:
            if not await conn.fetchval(
                "SELECT pg_try_advisory_lock($1)", advisory_key(self.service)
            ):
                await _wait(stop, self.settings.poll_interval_s)
                return
            self.is_leader = True
            await conn.add_listener("outbox", self._on_notify)
            await self._pump(conn, stop)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 5)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _pump(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if conn.is_closed():
                raise asyncpg.InterfaceError("relay connection closed")
            self._wake.clear()
            if await self.publish_round(conn):
                continue  # more may be waiting
            await self._purge_if_due(conn)
            waker = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                {waker, stopper},
                timeout=self.settings.poll_interval_s,
                return_when=asyncio.FIRST_COMPLETED,
            )
            waker.cancel()
            stopper.cancel()

    async def publish_round(self, conn: asyncpg.Connection) -> int:
        """Publish the rows unpublished now, batches in flight; returns how many went out.

        While the broker acknowledges one batch the next is read and sent, so the database and
        the broker work at the same time. A batch is marked published only after all its
        records are acknowledged. The cursor lives for one round only: every round starts again
        from "not yet published", so a row that commits late is taken by the next round.
        """
        in_flight: deque[_Batch] = deque()
        published, cursor = 0, 0
        try:
            producer = await self._ensure_producer()
            for _ in range(self.settings.round_batches):
                rows = await conn.fetch(SELECT_BATCH, self.settings.batch_size, cursor)
                self.last_progress = time.monotonic()
                if rows:
                    cursor = rows[-1]["seq"]
                    in_flight.append(await self._dispatch(producer, rows))
                if in_flight and (len(in_flight) >= self.settings.in_flight_batches or not rows):
                    published += await self._settle(conn, in_flight.popleft())
                if not rows and not in_flight:
                    break
            while in_flight:
                published += await self._settle(conn, in_flight.popleft())
        except (KafkaError, BrokerTimeout, OSError) as exc:
            await self._failed(conn, list(in_flight), exc)
        self._failures = 0 if published else self._failures
        return published

    async def _dispatch(self, producer: AIOKafkaProducer, rows: list[asyncpg.Record]) -> _Batch:
        # One bound around the whole batch: a wait_for per record would cost a task each.
        futures = await bounded(
            self._append(producer, rows), self.kafka.send_timeout_s, "append to the buffer"
        )
        acks = asyncio.gather(*futures)
        acks.add_done_callback(_retrieve)
        return _Batch([r["seq"] for r in rows], acks, time.perf_counter())

    async def _append(
        self, producer: AIOKafkaProducer, rows: list[asyncpg.Record]
    ) -> list[asyncio.Future[object]]:
        futures = []
        for row in rows:
            headers = [("id", row["id"].encode()), CONTENT_TYPE_HEADER]
            # The event keeps the context it was created in; the header carries the publish.
            span, traceparent = start_publish(self.topic, row["traceparent"], row["id"])
            if traceparent:
                headers.append(("traceparent", traceparent.encode()))
            key = row["aggregateid"].encode()
            future = await producer.send(
                self.topic, row["payload"].encode(), key=key, headers=headers
            )
            end_on_ack(span, future)
            futures.append(future)
        return futures

    async def _settle(self, conn: asyncpg.Connection, batch: _Batch) -> int:
        await bounded(asyncio.shield(batch.acks), self.kafka.send_timeout_s, "broker acks")
        await conn.execute(MARK_PUBLISHED, batch.seqs)
        RELAY_PUBLISHED.labels(self.service).inc(len(batch.seqs))
        RELAY_BATCH_SECONDS.labels(self.service).observe(time.perf_counter() - batch.started)
        return len(batch.seqs)

    async def _failed(
        self, conn: asyncpg.Connection, batches: list[_Batch], exc: Exception
    ) -> None:
        """Nothing unacknowledged was marked published: it all goes again in the next round,
        and consumers drop the duplicates. Whatever failed (OutOfOrderSequenceNumber included),
        a fresh producer gets a new producer id, so stale sequence numbers cannot wedge it."""
        RELAY_SEND_FAILURES.labels(self.service).inc()
        seqs = [seq for batch in batches for seq in batch.seqs]
        log.warning("relay could not publish %d events: %r", len(seqs), exc)
        for batch in batches:
            batch.acks.cancel()
        if seqs:
            await conn.execute(MARK_FAILED, seqs, repr(exc)[:500])
        await self._drop_producer()
        self._failures += 1
        await asyncio.sleep(min(0.2 * 2**self._failures, 5.0))

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            self._producer = await start_producer(self.kafka)
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await stop_quietly(producer, self.kafka.stop_timeout_s)

    async def _purge_if_due(self, conn: asyncpg.Connection) -> None:
        now = time.monotonic()
        if now - self._last_purge < self.settings.purge_interval_s:
            return
        self._last_purge = now
        await purge_published(conn, self.settings)


async def purge_published(conn: asyncpg.Connection, settings: RelaySettings) -> int:
    """Delete rows published longer ago than the retention, in bounded batches."""
    total = 0
    while True:
        status = await conn.execute(
            PURGE, settings.retention_hours * 3600, settings.purge_batch_size
        )
        deleted = int(status.split()[-1])
        total += deleted
        if deleted < settings.purge_batch_size:
            return total


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
