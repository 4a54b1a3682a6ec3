"""Replay dead letters: put each back on the topic it came from, once its cause is fixed.

    python -m shared.replay --service notify [--bootstrap 127.0.0.1:9092] [--dry-run]

Reads the service's dead-letter topic from its first record to the end it has when the replay
starts, with its partitions assigned directly: no consumer group is joined, so none is left
behind. Each dead letter goes back to its original topic with its key and its own headers; once
the broker has acknowledged every one, they are deleted from the dead-letter topic, so the next
replay does not send them again (one that fails again is dead-lettered anew). The event keeps
its id: consumers that handled it before ignore it again. `--dry-run` counts the dead letters
by error type and destination, and sends and deletes nothing.
"""

import argparse
import asyncio
import contextlib
import sys
from collections import Counter
from collections.abc import AsyncIterator
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from aiokafka.errors import KafkaError

from shared import dead_letters
from shared.kafka import BrokerTimeout, bounded, stop_admin, stop_quietly
from shared.settings import SERVICE_NAMES, KafkaSettings, dead_letter_topic

Record: TypeAlias = ConsumerRecord[bytes, bytes]
# How the dry run counts: (error type, the topic the letter would go back to).
Kind: TypeAlias = tuple[str, str]


class NoDeadLetterTopic(Exception):
    """The service's dead-letter topic does not exist on the broker."""


def original_topic(record: Record) -> str:
    return _header(record, dead_letters.ORIGINAL_TOPIC)


def original_headers(record: Record) -> list[tuple[str, bytes]]:
    return [(k, v) for k, v in (record.headers or ()) if not k.startswith("dlq-")]


def _header(record: Record, name: str, default: str = "unknown") -> str:
    value = dict(record.headers or ()).get(name)
    return value.decode() if value is not None else default


async def replay(service: str, kafka: KafkaSettings) -> int:
    """Replay every dead letter of `service`; returns how many went back."""
    async with _dead_letter_topic(service, kafka) as (admin, letters):
        producer = AIOKafkaProducer(
            bootstrap_servers=kafka.bootstrap_servers, acks="all", enable_idempotence=True
        )
        await bounded(producer.start(), kafka.send_timeout_s, "producer start")
        replayed = 0
        try:
            async for record in letters.records():
                await bounded(_send_back(producer, record), kafka.send_timeout_s, "replay")
                replayed += 1
        finally:
            await stop_quietly(producer, kafka.stop_timeout_s)
        if letters.read_to:
            await admin.delete_records(
                {tp: RecordsToDelete(end) for tp, end in letters.read_to.items()}
            )
    return replayed


async def count_dead_letters(service: str, kafka: KafkaSettings) -> Counter[Kind]:
    """What a replay would send, by error type and destination; sends and deletes nothing."""
    counts: Counter[Kind] = Counter()
    async with _dead_letter_topic(service, kafka) as (_, letters):
        async for record in letters.records():
            counts[_header(record, dead_letters.ERROR_TYPE), original_topic(record)] += 1
    return counts


async def _send_back(producer: AIOKafkaProducer, record: Record) -> None:
    await producer.send_and_wait(
        original_topic(record), record.value, key=record.key, headers=original_headers(record)
    )


class _Letters:
    """The dead letters up to each partition's end as reading began, read without a group."""

    def __init__(self, consumer: AIOKafkaConsumer, kafka: KafkaSettings) -> None:
        self._consumer = consumer
        self._kafka = kafka
        self.read_to: dict[TopicPartition, int] = {}

    async def records(self) -> AsyncIterator[Record]:
        tps = list(self._consumer.assignment())
        starts = await self._consumer.beginning_offsets(tps)
        ends = await self._consumer.end_offsets(tps)
        pending = {tp for tp in tps if ends[tp] > starts[tp]}
        for tp in pending:
            self._consumer.seek(tp, starts[tp])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._kafka.send_timeout_s
        while pending:
            batches = await self._consumer.getmany(*pending, timeout_ms=1000)
            if batches:
                deadline = loop.time() + self._kafka.send_timeout_s
            elif loop.time() > deadline:
                raise BrokerTimeout(
                    f"no dead letter could be read for {self._kafka.send_timeout_s} s"
                )
            for tp, batch in batches.items():
                for record in batch:
                    if record.offset < ends[tp]:
                        yield record
            for tp in list(pending):
                if await self._consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
                    self.read_to[tp] = ends[tp]


@contextlib.asynccontextmanager
async def _dead_letter_topic(
    service: str, kafka: KafkaSettings
) -> AsyncIterator[tuple[AIOKafkaAdminClient, _Letters]]:
    """An admin client and the service's dead letters; fails at once when the topic is missing."""
    topic = dead_letter_topic(service)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=kafka.bootstrap_servers,
        request_timeout_ms=int(kafka.send_timeout_s * 1000),
    )
    # No group: the partitions are assigned by hand and no offset is ever committed.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers, group_id=None, enable_auto_commit=False
    )
    try:
        await bounded(admin.start(), kafka.send_timeout_s, "admin start")
        # Listing every topic never creates one, whatever the broker's auto-creation says.
        if topic not in await admin.list_topics():
            raise NoDeadLetterTopic(f"no dead-letter topic {topic} on {kafka.bootstrap_servers}")
        [described] = await admin.describe_topics([topic])
        await bounded(consumer.start(), kafka.send_timeout_s, "consumer start")
        consumer.assign([TopicPartition(topic, p["partition"]) for p in described["partitions"]])
        yield admin, _Letters(consumer, kafka)
    finally:
        await stop_quietly(consumer, kafka.stop_timeout_s)
        await stop_admin(admin)


def dry_run_report(service: str, counts: Counter[Kind]) -> str:
    lines = [f"{counts.total()} dead letters of {service} would be replayed"]
    for (error_type, topic), n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {n:>6}  {error_type}  -> {topic}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.replay", description=__doc__)
    parser.add_argument("--service", required=True, choices=SERVICE_NAMES)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--dry-run", action="store_true", help="count, send nothing")
    args = parser.parse_args(argv)
    kafka = KafkaSettings(bootstrap_servers=args.bootstrap)
    try:
        if args.dry_run:
            counts = asyncio.run(count_dead_letters(args.service, kafka))
            sys.stdout.write(dry_run_report(args.service, counts))
        else:
            count = asyncio.run(replay(args.service, kafka))
            sys.stdout.write(f"replayed {count} dead letters of {args.service}\n")
    except (NoDeadLetterTopic, BrokerTimeout, KafkaError) as exc:
        parser.exit(1, f"{parser.prog}: error: {exc}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
