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
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaProducer

from shared.kafka import start_producer, stop_quietly
from shared.metrics import RELAY_DATABASE_OUTAGES, RELAY_SEND_FAILURES
from shared.relay_round import CONTENT_TYPE_HEADER as CONTENT_TYPE_HEADER
from shared.relay_round import SEND_FAILED, Batch, Pipeline
from shared.settings import KafkaSettings, RelaySettings

log = logging.getLogger(__name__)

MARK_FAILED = """
UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE seq = ANY($1::bigint[])
"""
PURGE = """
DELETE FROM outbox WHERE seq IN (
  SELECT seq FROM outbox
  WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1)
  LIMIT $2)
"""
# Errors that mean "the database is not there right now": reconnect and carry on. asyncpg
# reports a session the server ended between two statements as an internal client error.
DATABASE_DOWN = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    TimeoutError,
)


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
    _marker: asyncpg.Connection | None = None

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
        await self.close()

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
            await self._close_marker()

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
        """Publish the rows unpublished now, as a pipeline (`shared.relay_round`); returns how
        many were marked published. A batch is marked only once the broker acknowledged all of
        it, and nothing after a failed one: that and the rest go again, in order, next round."""
        marker = await self._marker_connection()
        pipeline: Pipeline | None = None
        try:
            producer = await self._ensure_producer()
            pipeline = Pipeline(
                self.service, self.topic, conn, marker, producer, self.kafka, self.settings
            )
            await pipeline.run()
        except SEND_FAILED as exc:
            await self._failed(conn, list(pipeline.sent) if pipeline else [], exc)
        self.last_progress = time.monotonic()
        published = pipeline.marked if pipeline else 0
        self._failures = 0 if published else self._failures
        return published

    async def _marker_connection(self) -> asyncpg.Connection:
        """The second connection, which marks while the relay's own reads: opened with the
        first round and kept while the relay leads."""
        if self._marker is None or self._marker.is_closed():
            self._marker = await asyncpg.connect(self.dsn, timeout=10)
        return self._marker

    async def close(self) -> None:
        """Close the marker's connection and stop the producer."""
        await self._close_marker()
        await self._drop_producer()

    async def _close_marker(self) -> None:
        marker, self._marker = self._marker, None
        if marker is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(marker.close(), 5)

    async def _failed(self, conn: asyncpg.Connection, batches: list[Batch], exc: Exception) -> None:
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
