"""Dead letters: records that cannot be handled, kept with where they came from and why."""

import asyncio
import logging
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer, ConsumerRecord

from shared.kafka import bounded, stop_quietly
from shared.settings import KafkaSettings, dead_letter_topic

log = logging.getLogger(__name__)

ORIGINAL_TOPIC = "dlq-original-topic"
ORIGINAL_PARTITION = "dlq-original-partition"
ORIGINAL_OFFSET = "dlq-original-offset"
ERROR = "dlq-error"
ERROR_TYPE = "dlq-error-type"
CONSUMER = "dlq-consumer"
_OURS = {ORIGINAL_TOPIC, ORIGINAL_PARTITION, ORIGINAL_OFFSET, ERROR, ERROR_TYPE, CONSUMER}


@dataclass(frozen=True)
class DeadLetter:
    record: ConsumerRecord[bytes, bytes]
    error: str | None
    error_type: str


def dead_letter_headers(letter: DeadLetter, service: str) -> list[tuple[str, bytes]]:
    record = letter.record
    kept = [(k, v) for k, v in (record.headers or ()) if k not in _OURS]
    return [
        *kept,
        (ORIGINAL_TOPIC, record.topic.encode()),
        (ORIGINAL_PARTITION, str(record.partition).encode()),
        (ORIGINAL_OFFSET, str(record.offset).encode()),
        (ERROR, (letter.error or "unknown error")[:2000].encode()),
        (ERROR_TYPE, letter.error_type.encode()),
        (CONSUMER, service.encode()),
    ]


class DeadLetterSender:
    """Sends dead letters to the consuming service's dead-letter topic, waiting for the acks."""

    def __init__(self, service: str, kafka: KafkaSettings) -> None:
        self._service = service
        self._kafka = kafka
        self._producer: AIOKafkaProducer | None = None

    async def send(self, letters: list[DeadLetter]) -> None:
        if not letters:
            return
        producer = await self._ensure()
        try:
            futures = [
                await producer.send(
                    dead_letter_topic(self._service),
                    letter.record.value,
                    key=letter.record.key,
                    headers=dead_letter_headers(letter, self._service),
                )
                for letter in letters
            ]
            await bounded(asyncio.gather(*futures), self._kafka.send_timeout_s, "dead letter")
        except BaseException:
            await self.close()
            raise
        for letter in letters:
            log.error(
                "dead-lettered %s[%d]@%d: %s",
                letter.record.topic,
                letter.record.partition,
                letter.record.offset,
                letter.error,
            )

    async def _ensure(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._kafka.bootstrap_servers, acks="all", enable_idempotence=True
            )
            try:
                await bounded(producer.start(), self._kafka.send_timeout_s, "producer start")
            except BaseException:
                await stop_quietly(producer, self._kafka.stop_timeout_s)
                raise
            self._producer = producer
        return self._producer

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await stop_quietly(producer, self._kafka.stop_timeout_s)
