"""A worker's metrics endpoint, scraped over HTTP while a relay and a consumer work: the outbox
backlog and its age, publishes, events by outcome, and the lag of every partition."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backbone import consumer_for, new_topic, produce_raw, relay_for, wait_drained, write_probes
from scraping import Samples, scrape, until_scraped, value
from shared.db import create_sessionmaker
from shared.settings import WorkerSettings
from shared.testing import TestStack, probe_record, running
from shared.worker_metrics import outbox_probe, sampling, serving_metrics

pytestmark = [pytest.mark.kafka, pytest.mark.usefixtures("clean_tables")]

ANY_PORT = WorkerSettings(metrics_port=0)


async def test_the_outbox_backlog_falls_to_zero_once_the_relay_publishes(
    stack: TestStack, db_url: str, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.metrics.outbox.")
    relay = relay_for(stack, db_url, topic)
    service = relay.service
    sampler = sampling(0.05, [outbox_probe(service)], create_sessionmaker(engine))
    async with serving_metrics(ANY_PORT) as port, running(sampler):
        assert port is not None
        await write_probes(engine, [(f"agg-{n}", n) for n in range(5)])
        waiting = await until_scraped(
            port,
            "a backlog of five",
            lambda s: value(s, "trygg_outbox_backlog", service=service) == 5,
        )
        assert (value(waiting, "trygg_outbox_oldest_unpublished_seconds", service=service) or 0) > 0
        async with running(relay.run):
            drained = await until_scraped(
                port,
                "the backlog to fall to zero",
                lambda s: value(s, "trygg_outbox_backlog", service=service) == 0,
            )
    assert value(drained, "trygg_outbox_oldest_unpublished_seconds", service=service) == 0
    assert value(drained, "trygg_outbox_published_total", service=service) == 5


def _consumed(samples: Samples, service: str, outcome: str) -> float:
    return value(samples, "trygg_events_consumed_total", service=service, outcome=outcome) or 0


async def test_consumed_events_count_by_outcome_and_every_partition_shows_its_lag(
    stack: TestStack, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.metrics.consumer.")
    consumer = await consumer_for(stack, engine, topic)
    service = consumer.service
    good = [(f"agg-{n}".encode(), probe_record(f"agg-{n}", n)) for n in range(6)]
    # A negative probe makes its handler fail every attempt: retried, then dead-lettered.
    bad = [(b"agg-bad", probe_record("agg-bad", -1))]
    async with serving_metrics(ANY_PORT) as port, running(consumer.run):
        assert port is not None
        await produce_raw(stack, topic, good + bad)
        counted = await until_scraped(
            port,
            "six events handled and one dead-lettered",
            lambda s: (
                _consumed(s, service, "handled") == 6
                and _consumed(s, service, "dead_lettered") == 1
            ),
        )
        await wait_drained(stack, consumer.group_id, topic)

        def lag(samples: Samples, partition: int) -> float | None:
            return value(
                samples,
                "trygg_consumer_lag",
                service=service,
                topic=topic,
                partition=str(partition),
            )

        caught_up = await until_scraped(
            port,
            "every partition's lag at zero",
            lambda s: all(lag(s, p) == 0 for p in range(3)),
        )
    attempts = consumer.settings.handler_attempts
    assert _consumed(counted, service, "retried") == attempts - 1
    assert {lag(caught_up, p) for p in range(3)} == {0}


async def test_the_endpoint_stops_with_its_block() -> None:
    async with serving_metrics(ANY_PORT) as port:
        assert port is not None
        assert await scrape(port)
    with pytest.raises(httpx.ConnectError):
        await scrape(port)


async def test_no_port_serves_nothing() -> None:
    async with serving_metrics(WorkerSettings()) as port:
        assert port is None
