"""Kafka clients with the project's settings, and the bounded waits around them."""

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from shared.settings import SERVICE_NAMES, KafkaSettings, dead_letter_topic, events_topic

log = logging.getLogger(__name__)
T = TypeVar("T")


class BrokerTimeout(Exception):
    """The broker did not answer within the configured bound."""


async def bounded(awaitable: Awaitable[T], timeout_s: float, what: str) -> T:
    try:
        return await asyncio.wait_for(awaitable, timeout_s)
    except TimeoutError as exc:
        raise BrokerTimeout(f"{what} took longer than {timeout_s} s") from exc


def new_producer(settings: KafkaSettings) -> AIOKafkaProducer:
    """An idempotent producer: acks from all in-sync replicas, no duplicates on its own retries."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        enable_idempotence=True,
        acks="all",
        linger_ms=settings.linger_ms,
        max_batch_size=settings.max_batch_bytes,
        request_timeout_ms=int(settings.send_timeout_s * 1000),
    )


async def start_producer(settings: KafkaSettings) -> AIOKafkaProducer:
    producer = new_producer(settings)
    try:
        await bounded(producer.start(), settings.send_timeout_s, "producer start")
    except BaseException:
        await stop_quietly(producer, settings.stop_timeout_s)
        raise
    return producer


async def stop_quietly(client: AIOKafkaProducer | AIOKafkaConsumer, timeout_s: float) -> None:
    """Stop a client without ever hanging (aiokafka's stop can, while the broker is down)."""
    try:
        await asyncio.wait_for(client.stop(), timeout_s)
    except Exception as exc:  # the client is being thrown away either way
        log.warning("kafka client did not stop cleanly: %r", exc)


def all_topics() -> list[str]:
    return [events_topic(s) for s in SERVICE_NAMES] + [dead_letter_topic(s) for s in SERVICE_NAMES]


async def create_topics(
    bootstrap: str,
    names: list[str],
    partitions: int,
    replication_factor: int = 1,
    min_insync_replicas: int = 1,
) -> list[str]:
    """Create the topics that are missing; returns the ones created.

    With acks=all a write is acknowledged once `min_insync_replicas` copies have it, so one
    broker of three may die without losing it and without stopping producers."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            configs = {"min.insync.replicas": str(min_insync_replicas)}
            new = [
                NewTopic(n, partitions, replication_factor, topic_configs=configs) for n in missing
            ]
            response = await admin.create_topics(new)
            _raise_topic_errors(response.topic_errors)
        return missing
    finally:
        await admin.close()


def _raise_topic_errors(topic_errors: list[tuple[Any, ...]]) -> None:
    """The broker answers per topic; a topic another process created meanwhile is fine."""
    for topic, code, *message in topic_errors:
        error = for_code(code)
        if code and error is not TopicAlreadyExistsError:
            raise error(f"creating topic {topic}: {message[0] if message else ''}")


async def broker_answers(bootstrap: str) -> bool:
    """True when the broker answers a real metadata request."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await asyncio.wait_for(admin.start(), 5)
        await asyncio.wait_for(admin.describe_cluster(), 5)
        return True
    except Exception:
        return False
    finally:
        await stop_admin(admin)


async def stop_admin(admin: AIOKafkaAdminClient) -> None:
    try:
        await asyncio.wait_for(admin.close(), 5)
    except Exception as exc:
        log.debug("admin client close failed: %r", exc)


async def wait_for_broker(bootstrap: str, timeout_s: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await broker_answers(bootstrap):
        if loop.time() > deadline:
            raise BrokerTimeout(f"no Kafka broker answered at {bootstrap} within {timeout_s} s")
        await asyncio.sleep(0.25)
