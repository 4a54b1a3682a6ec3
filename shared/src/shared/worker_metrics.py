"""What a worker tells Prometheus: an HTTP endpoint of its own (a worker serves no API), the
gauges it samples from its database, and its consumers' lag. Counters (relay, consumer,
dispatcher) are counted where the work happens; this module only makes them reachable."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import IllegalStateError
from prometheus_client import start_http_server
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.db import Sessionmaker
from shared.metrics import CONSUMER_LAG, OUTBOX_BACKLOG, OUTBOX_OLDEST_SECONDS
from shared.settings import WorkerSettings

log = logging.getLogger(__name__)

# One reading of the database into gauges; probes share one connection per round.
Probe = Callable[[AsyncConnection], Awaitable[None]]

# The partial index ix_outbox_unpublished holds exactly these rows: small while the relay
# keeps up, and counting it is what an operator wants to see when it does not.
OUTBOX_SAMPLE = text(
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
    "FROM outbox WHERE published_at IS NULL"
)


@contextlib.asynccontextmanager
async def serving_metrics(settings: WorkerSettings) -> AsyncIterator[int | None]:
    """The process's metrics at http://<metrics_host>:<port>/metrics for the `async with`
    block; yields the port bound, or None when `metrics_port` is unset. A port that is taken
    fails the worker at its start, rather than leave it running unobserved."""
    if settings.metrics_port is None:
        yield None
        return
    server, thread = start_http_server(settings.metrics_port, settings.metrics_host)
    port: int = server.server_port
    log.info("metrics at http://%s:%d/metrics", settings.metrics_host, port)
    try:
        yield port
    finally:
        # shutdown() waits for the serving thread's loop to notice; not on the event loop.
        await asyncio.to_thread(server.shutdown)
        server.server_close()
        thread.join(timeout=5)


def outbox_probe(service: str) -> Probe:
    """The outbox backlog and the age of its oldest row, for the service's gauges."""

    async def sample(conn: AsyncConnection) -> None:
        backlog, oldest_s = (await conn.execute(OUTBOX_SAMPLE)).one()
        OUTBOX_BACKLOG.labels(service).set(backlog)
        OUTBOX_OLDEST_SECONDS.labels(service).set(float(oldest_s))

    return sample


def sampling(
    interval_s: float, probes: Sequence[Probe], sessionmaker: Sessionmaker
) -> Callable[[asyncio.Event], Awaitable[None]]:
    """A worker job that runs `probes` now and every `interval_s` until stopped. A round that
    fails (the database is away) keeps the last readings and is logged; the next one retries."""

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with sessionmaker() as session:
                    conn = await session.connection()
                    for probe in probes:
                        await probe(conn)
            except Exception as exc:
                log.warning("sampling metrics failed; trying again later: %r", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)

    return run


async def report_lag(
    service: str, consumer: AIOKafkaConsumer, reported: set[TopicPartition]
) -> None:
    """Each held partition's lag: its end offset as the last fetch saw it (no request of its
    own) minus the consumer's position, which the runner moves only past handled batches.
    Partitions no longer held (a rebalance) are dropped from the gauge; `reported` is the
    caller's memory of which partitions it set."""
    held = consumer.assignment()
    for tp in reported - held:
        with contextlib.suppress(KeyError):
            CONSUMER_LAG.remove(service, tp.topic, str(tp.partition))
    reported.intersection_update(held)
    for tp in held:
        try:
            end = consumer.highwater(tp)
            if end is None:  # nothing fetched from it yet
                continue
            position = await consumer.position(tp)
        except (AssertionError, IllegalStateError):
            continue  # taken away meanwhile; the next report drops it
        CONSUMER_LAG.labels(service, tp.topic, str(tp.partition)).set(max(end - position, 0))
        reported.add(tp)
