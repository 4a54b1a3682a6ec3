"""The consumer runner's loop: fetch, apply a partition's batch, dead-letter, commit offsets.

Per batch of one partition: parse every record; in one database transaction claim the inbox
rows, run the handlers (whose events land in this service's outbox) and commit (see
`handling`); send records that cannot be handled to the dead-letter topic; only then commit
the Kafka offset. An outage retries the same records for as long as it takes; a bad record is
dead-lettered, never skipped.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from shared.consumer.handling import Applier, parse
from shared.consumer.routes import Item, Routes
from shared.db import Sessionmaker
from shared.dead_letters import DeadLetter, DeadLetterSender
from shared.failures import is_transient
from shared.kafka import BrokerTimeout, bounded
from shared.metrics import CONSUMER_OUTAGE_RETRIES
from shared.settings import ConsumerSettings, KafkaSettings
from shared.worker_metrics import report_lag

log = logging.getLogger(__name__)

Observer = Callable[[], Awaitable[None]]


@dataclass
class ConsumerRunner:
    service: str
    topics: list[str]
    # Event type -> a `Handler` of one event or a `Batch` of them.
    routes: Routes
    sessionmaker: Sessionmaker
    kafka: KafkaSettings
    settings: ConsumerSettings
    # Called after the database commit and before the offset commit.
    after_db_commit: Observer | None = None
    # Called when a rebalance is about to take this member's partitions away.
    when_revoked: Observer | None = None
    last_progress: float = field(default_factory=time.monotonic)
    # Held while a fetch's batches run; a revocation waits for it.
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _sending: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Counts revocations: records fetched before one belong to the partitions' next owner.
    _rebalances: int = 0
    _lag_reported: set[TopicPartition] = field(default_factory=set)

    @property
    def group_id(self) -> str:
        return f"trygg.{self.service}"

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; reconnects after broker outages."""
        backoff = self.settings.backoff_initial_s
        while not stop.is_set():
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.kafka.bootstrap_servers,
                group_id=self.group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=self.settings.batch_size,
                # aiokafka rebalances eagerly (it has no cooperative protocol; its sticky
                # assignor is eager too): every member gives up all its partitions at each
                # rebalance, and keeps no state per partition that stickiness would save.
                # Round-robin spreads the partitions of all topics evenly; range would give one
                # member the same extra partition of every topic.
                partition_assignment_strategy=(RoundRobinPartitionAssignor,),
                session_timeout_ms=self.settings.session_timeout_ms,
                heartbeat_interval_ms=self.settings.heartbeat_interval_ms,
                rebalance_timeout_ms=self.settings.rebalance_timeout_ms,
                max_poll_interval_ms=self.settings.max_poll_interval_ms,
                fetch_max_wait_ms=self.settings.fetch_max_wait_ms,
            )
            sender = DeadLetterSender(self.service, self.kafka)
            try:
                consumer.subscribe(self.topics, listener=_FinishBatchFirst(self))
                await bounded(consumer.start(), self.kafka.send_timeout_s, "consumer start")
                backoff = self.settings.backoff_initial_s
                await self._consume(consumer, sender, stop)
            except (KafkaError, BrokerTimeout, OSError) as exc:
                log.warning("consumer lost the broker: %r", exc)
                await _sleep(stop, backoff)
                backoff = min(backoff * 2, self.settings.backoff_max_s)
            except Exception:
                # A fault of ours, not of a record: start over from the committed offsets
                # rather than take the worker (and its relay) down.
                log.exception("consumer failed; restarting from the committed offsets")
                await _sleep(stop, self.settings.backoff_max_s)
            finally:
                await sender.close()
                await _stop_consumer(consumer, self.kafka.stop_timeout_s)

    async def _consume(
        self, consumer: AIOKafkaConsumer, sender: DeadLetterSender, stop: asyncio.Event
    ) -> None:
        # Partitions are independent (order holds within each): their batches run side by
        # side, so one's database round trips overlap another's parsing.
        slots = asyncio.Semaphore(self.settings.concurrent_partitions)
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=500, max_records=self.settings.batch_size)
            fetched_in = self._rebalances
            self.last_progress = time.monotonic()
            async with self._lock:
                await _all(
                    self._handle_batch(consumer, sender, tp, records, stop, slots, fetched_in)
                    for tp, records in batches.items()
                )
            await report_lag(self.service, consumer, self._lag_reported)

    async def _handle_batch(
        self,
        consumer: AIOKafkaConsumer,
        sender: DeadLetterSender,
        tp: TopicPartition,
        records: list[ConsumerRecord[bytes, bytes]],
        stop: asyncio.Event,
        slots: asyncio.Semaphore,
        fetched_in: int,
    ) -> None:
        async with slots:
            if self._rebalances != fetched_in:
                # Revoked before this batch began: whoever owns the partition now (this member
                # too, perhaps) reads these records again from the committed offset.
                return
            items = [parse(r, self.routes) for r in records]
            dead = await self._until_done(lambda: self.apply(items), stop)
            if dead is None:
                return
            if await self._until_done(lambda: self._dead_letter(sender, dead), stop) is None:
                return
            if self.after_db_commit is not None:
                await self.after_db_commit()
            await self._commit(consumer, tp, records[-1].offset + 1, stop)
            self.last_progress = time.monotonic()

    async def _dead_letter(self, sender: DeadLetterSender, dead: list[DeadLetter]) -> None:
        # One partition's letters at a time: the sender has one producer, which a failed send
        # closes and the next one opens again.
        async with self._sending:
            await sender.send(dead)

    async def apply(self, items: list[Item]) -> list[DeadLetter]:
        """Handle a batch in one transaction; returns the records that must be dead-lettered."""
        applier = Applier(self.service, self.sessionmaker, self.settings.handler_attempts)
        return await applier.apply(items)

    async def _until_done(
        self, step: Callable[[], Awaitable[list[DeadLetter] | None]], stop: asyncio.Event
    ) -> list[DeadLetter] | None:
        """Run `step` until it succeeds, backing off through outages. None when stopped."""
        backoff = self.settings.backoff_initial_s
        while not stop.is_set():
            try:
                return (await step()) or []
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("outage while handling events, retrying: %r", exc)
                CONSUMER_OUTAGE_RETRIES.labels(self.service).inc()
                await _sleep(stop, backoff)
                backoff = min(backoff * 2, self.settings.backoff_max_s)
        return None

    async def _commit(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int, stop: asyncio.Event
    ) -> None:
        backoff = self.settings.backoff_initial_s
        while not stop.is_set():
            try:
                await bounded(
                    consumer.commit({tp: offset}), self.kafka.send_timeout_s, "offset commit"
                )
                return
            except (CommitFailedError, IllegalStateError) as exc:
                # The partition moved to another member; it resumes from the last commit and
                # the inbox turns the redelivery into a no-op.
                log.info("offset commit refused after a rebalance: %r", exc)
                return
            except (KafkaError, BrokerTimeout) as exc:
                log.warning("offset commit failed, retrying: %r", exc)
                await _sleep(stop, backoff)
                backoff = min(backoff * 2, self.settings.backoff_max_s)


class _FinishBatchFirst(ConsumerRebalanceListener):  # type: ignore[misc]
    """Let the batch in hand finish and commit its offset before partitions are taken away,
    and drop the batches fetched but not begun. The broker takes the commit while the group
    prepares the rebalance; past `finish_batch_s` the member rejoins anyway, so the rebalance
    never waits for an outage, and the batch's late commit is refused (its records come again
    to their next owner, whose inbox makes them no-ops)."""

    def __init__(self, runner: ConsumerRunner) -> None:
        self._runner = runner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        runner = self._runner
        runner._rebalances += 1
        if runner.when_revoked is not None and revoked:
            await runner.when_revoked()
        try:
            await asyncio.wait_for(runner._lock.acquire(), runner.settings.finish_batch_s)
            runner._lock.release()
        except TimeoutError:
            log.warning("a batch was still running when partitions %s were revoked", revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info("partitions assigned: %s", sorted(str(tp) for tp in assigned))


async def _all(batches: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run the batches side by side; when one fails, the others are cancelled (their records
    come again from the committed offsets) and its error is raised as it is."""
    try:
        async with asyncio.TaskGroup() as group:
            for batch in batches:
                group.create_task(batch)
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None


async def _stop_consumer(consumer: AIOKafkaConsumer, timeout_s: float) -> None:
    try:
        await asyncio.wait_for(consumer.stop(), timeout_s)
    except Exception as exc:
        log.warning("consumer did not stop cleanly: %r", exc)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
