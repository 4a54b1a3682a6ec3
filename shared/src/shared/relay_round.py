"""One round of the outbox relay: reading, sending and marking as a pipeline.

The relay's time went to waiting on PostgreSQL, one statement after another, while the producer
sat idle. Here the three overlap: while the producer takes one batch, the relay's connection
reads the next, and a second connection marks the batches the broker has acknowledged. Marking
is the dearest statement (every index of the outbox takes a new entry per row), so it runs on its
own and a slow one merges what was acknowledged meanwhile into its next statement.

The records of a batch go to the producer as whole record batches, one per partition (more when
one fills up), each with one future for the broker's answer: handed over one by one, each record
cost a metadata check, a future and a trip through the producer's buffer, most of the relay's
time.
"""

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder
from opentelemetry.trace import Span

from shared.kafka import BrokerTimeout, bounded
from shared.metrics import RELAY_BATCH_SECONDS, RELAY_PUBLISHED
from shared.settings import KafkaSettings, RelaySettings
from shared.tracing import end_on_ack, start_publish

# The payload leaves the database as the bytes the record carries: no text decoded and encoded
# again in Python. Rows after `$2` only within a round; each round starts again at 0.
SELECT_BATCH = """
SELECT seq, id::text AS id, aggregateid, convert_to(payload::text, 'UTF8') AS payload,
       traceparent
FROM outbox WHERE published_at IS NULL AND seq > $2 ORDER BY seq LIMIT $1
"""
MARK_PUBLISHED = """
UPDATE outbox SET published_at = now(), attempts = attempts + 1
WHERE seq = ANY($1::bigint[])
"""
CONTENT_TYPE_HEADER = ("content-type", b"application/cloudevents+json")
# The partition of a key is the one the producer's own `send` (and the Java client) would pick,
# so an aggregate's events stay on one partition whichever way they were sent.
PARTITION_OF = DefaultPartitioner()
# What a failed send raises; the round ends and its unmarked batches go again.
SEND_FAILED = (KafkaError, BrokerTimeout, OSError)


@dataclass
class Batch:
    seqs: list[int]
    acks: asyncio.Future[list[object]]
    started: float


@dataclass
class Pipeline:
    """One round over the rows unpublished when it starts. `run` returns how many rows it
    marked published; when a send fails it marks what was acknowledged before the failure and
    raises, leaving in `sent` the batches that were sent but not marked, oldest first."""

    service: str
    topic: str
    reader: asyncpg.Connection
    marker: asyncpg.Connection
    producer: AIOKafkaProducer
    kafka: KafkaSettings
    settings: RelaySettings
    marked: int = 0
    sent: deque[Batch] = field(default_factory=deque)
    _reading: asyncio.Future[list[asyncpg.Record]] | None = None
    _marking: asyncio.Future[None] | None = None

    async def run(self) -> int:
        try:
            await self._pump()
        except SEND_FAILED:
            # Database work under way ends first (a database error wins: that outage is waited
            # out); then what was acknowledged before the failure is marked, nothing after it.
            await self._wait_reading()
            await self._wait_marking()
            await self._mark(take_acknowledged(self.sent))
            raise
        finally:
            _abandon(self._reading)
            _abandon(self._marking)
        return self.marked

    async def _pump(self) -> None:
        rows = await self._read(0)
        for _ in range(self.settings.round_batches):
            if not rows:
                break
            self._reading = asyncio.ensure_future(self._read(rows[-1]["seq"]))
            self.sent.append(await self._dispatch(rows))
            await self._keep_marking()
            rows = await self._wait_reading()
        for batch in self.sent:
            await self._acknowledged(batch)
        await self._wait_marking()
        await self._mark(take_acknowledged(self.sent))

    async def _keep_marking(self) -> None:
        """Hand what the broker has acknowledged to the marker, one statement at a time. The
        round waits only once `in_flight_batches` are sent and not handed over: for the oldest
        batch's acks, then for the statement under way. A refused batch ends the round at once,
        so no more is sent after it."""
        oldest = self.sent[0].acks
        if len(self.sent) >= self.settings.in_flight_batches or oldest.done():
            await self._acknowledged(self.sent[0])
        if len(self.sent) >= self.settings.in_flight_batches:
            await self._wait_marking()
        if self._marking is not None and not self._marking.done():
            return
        await self._wait_marking()  # collects the outcome of the one that ended
        done = take_acknowledged(self.sent)
        if done:
            self._marking = asyncio.ensure_future(self._mark(done))

    async def _wait_reading(self) -> list[asyncpg.Record]:
        reading, self._reading = self._reading, None
        return [] if reading is None else await reading

    async def _wait_marking(self) -> None:
        marking, self._marking = self._marking, None
        if marking is not None:
            await marking

    async def _read(self, after: int) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.reader.fetch(
            SELECT_BATCH, self.settings.batch_size, after
        )
        return rows

    async def _mark(self, done: list[Batch]) -> None:
        """Mark acknowledged batches published, in one statement."""
        if not done:
            return
        seqs = [seq for batch in done for seq in batch.seqs]
        await self.marker.execute(MARK_PUBLISHED, seqs)
        self.marked += len(seqs)
        RELAY_PUBLISHED.labels(self.service).inc(len(seqs))
        now = time.perf_counter()
        for batch in done:
            RELAY_BATCH_SECONDS.labels(self.service).observe(now - batch.started)

    async def _acknowledged(self, batch: Batch) -> None:
        await bounded(asyncio.shield(batch.acks), self.kafka.send_timeout_s, "broker acks")

    async def _dispatch(self, rows: list[asyncpg.Record]) -> Batch:
        # One bound around the whole batch: a wait_for per record would cost a task each.
        futures = await bounded(
            self._append(rows), self.kafka.send_timeout_s, "append to the buffer"
        )
        acks = asyncio.gather(*futures)
        acks.add_done_callback(retrieve)
        return Batch([r["seq"] for r in rows], acks, time.perf_counter())

    async def _append(self, rows: list[asyncpg.Record]) -> list[asyncio.Future[object]]:
        """Hand the rows to the producer as record batches, in order within each partition;
        one future per record batch."""
        partitions = sorted(await self.producer.partitions_for(self.topic))
        filling: dict[int, _Filling] = {}
        futures = []
        for row in rows:
            key = row["aggregateid"].encode()
            partition = PARTITION_OF(key, partitions, partitions)
            headers = [("id", row["id"].encode()), CONTENT_TYPE_HEADER]
            # The event keeps the context it was created in; the header carries the publish.
            span, traceparent = start_publish(self.topic, row["traceparent"], row["id"])
            if traceparent:
                headers.append(("traceparent", traceparent.encode()))
            batch = filling.get(partition)
            if batch is None or not batch.add(key, row["payload"], headers, span):
                if batch is not None:  # full: it goes, and a new one takes the record
                    futures.append(await self._send(batch, partition))
                batch = filling[partition] = _Filling(self.producer.create_batch())
                batch.add(key, row["payload"], headers, span)  # an empty batch takes any record
        for partition, batch in filling.items():
            futures.append(await self._send(batch, partition))
        return futures

    async def _send(self, batch: "_Filling", partition: int) -> asyncio.Future[object]:
        # Closed, it goes at once rather than lingering for records that never come.
        batch.builder.close()
        ack: asyncio.Future[object] = await self.producer.send_batch(
            batch.builder, self.topic, partition=partition
        )
        for span in batch.spans:
            end_on_ack(span, ack)
        return ack


@dataclass
class _Filling:
    """A record batch for one partition being filled, with the publish spans of its records."""

    builder: BatchBuilder
    spans: list[Span] = field(default_factory=list)

    def add(
        self, key: bytes, value: bytes, headers: list[tuple[str, bytes]], span: Span | None
    ) -> bool:
        """False when the batch is full (it takes no more records then)."""
        if self.builder.append(timestamp=None, key=key, value=value, headers=headers) is None:
            return False
        if span is not None:
            self.spans.append(span)
        return True


def take_acknowledged(sent: deque[Batch]) -> list[Batch]:
    """Take the oldest batches while every record of each is acknowledged; stop at the first
    still waiting or failed, so nothing after a failure is ever marked."""
    done = []
    while sent and sent[0].acks.done() and not sent[0].acks.cancelled():
        if sent[0].acks.exception() is not None:
            break
        done.append(sent.popleft())
    return done


def retrieve(future: asyncio.Future[Any]) -> None:
    """Consume the outcome of a future nobody waits for any more, so it is not logged as lost."""
    if not future.cancelled():
        future.exception()


def _abandon(future: asyncio.Future[Any] | None) -> None:
    """Cancel database work the round no longer waits for (it ended by an error)."""
    if future is not None:
        future.cancel()
        future.add_done_callback(retrieve)
