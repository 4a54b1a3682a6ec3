"""Replay dead letters: put each back on the topic it came from, once its cause is fixed.

    python -m shared.replay --service notify [--bootstrap 127.0.0.1:9092]

Reads the service's dead-letter topic in a consumer group of its own, so each dead letter is
replayed once. The event keeps its id: consumers that handled it before ignore it again.
"""

import argparse
import asyncio
import logging
import sys

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from shared import dead_letters
from shared.kafka import bounded
from shared.settings import KafkaSettings, dead_letter_topic

log = logging.getLogger(__name__)


def original_topic(record: ConsumerRecord[bytes, bytes]) -> str:
    headers = dict(record.headers or ())
    topic: bytes = headers[dead_letters.ORIGINAL_TOPIC]
    return topic.decode()


def original_headers(record: ConsumerRecord[bytes, bytes]) -> list[tuple[str, bytes]]:
    return [(k, v) for k, v in (record.headers or ()) if not k.startswith("dlq-")]


async def replay(service: str, kafka: KafkaSettings, idle_s: float = 2.0) -> int:
    """Replay every dead letter not yet replayed; returns how many went back."""
    consumer = AIOKafkaConsumer(
        dead_letter_topic(service),
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=f"trygg.{service}.replay",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers, acks="all", enable_idempotence=True
    )
    await consumer.start()
    await producer.start()
    replayed = 0
    try:
        while batches := await consumer.getmany(timeout_ms=int(idle_s * 1000)):
            for tp, records in batches.items():
                for record in records:
                    await bounded(
                        producer.send_and_wait(
                            original_topic(record),
                            record.value,
                            key=record.key,
                            headers=original_headers(record),
                        ),
                        kafka.send_timeout_s,
                        "replay",
                    )
                await consumer.commit({tp: records[-1].offset + 1})
                replayed += len(records)
    finally:
        await producer.stop()
        await consumer.stop()
    return replayed


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.replay", description=__doc__)
    parser.add_argument("--service", required=True)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    args = parser.parse_args()
    count = asyncio.run(replay(args.service, KafkaSettings(bootstrap_servers=args.bootstrap)))
    sys.stderr.write(f"replayed {count} dead letters of {args.service}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
