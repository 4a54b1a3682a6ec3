"""Quiescence: nothing left anywhere between a request and a resident. Every service's outbox
published, every consumer group at the end of its topics, notify's dispatcher with nothing
queued or in flight, tips with no message to a tipster still to hand over.

Read straight from the databases and the broker (not through the proxies), after the faults
were healed.
"""

import contextlib
import logging

import asyncpg
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

PG_USER, PG_PASSWORD = "trygg", "trygg-dev-only"
UNPUBLISHED = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
UNSENT = (
    "SELECT count(*) FROM notification "
    "WHERE status IN ('created', 'sending') OR next_attempt_at IS NOT NULL"
)
# A row with no lease and attempts made was given up; that is settled, not pending.
NOT_HANDED_OVER = (
    "SELECT count(*) FROM tip_feedback "
    "WHERE sent_at IS NULL AND (next_attempt_at IS NOT NULL OR attempts = 0)"
)
CHECKS = {
    "walks": [UNPUBLISHED],
    "tips": [UNPUBLISHED, NOT_HANDED_OVER],
    "patrols": [UNPUBLISHED],
    "notify": [UNPUBLISHED, UNSENT],
}


async def pending_work(pg_port: int, bootstrap: str) -> dict[str, int]:
    """What is still under way, by where it waits; empty when the system is quiet. A store
    that does not answer counts as pending: quiet cannot be proven without it."""
    pending: dict[str, int] = {}
    for database, queries in CHECKS.items():
        try:
            counts = await _counts(pg_port, database, queries)
        except (OSError, asyncpg.PostgresError):
            counts = [-1]
        if any(counts):
            pending[database] = sum(abs(c) for c in counts)
    try:
        lag = await consumer_lag(bootstrap)
    except Exception:  # any trouble with the broker means "not yet"
        lag = -1
    if lag:
        pending["kafka lag"] = abs(lag)
    return pending


async def _counts(pg_port: int, database: str, queries: list[str]) -> list[int]:
    conn = await asyncpg.connect(
        host="127.0.0.1",
        port=pg_port,
        user=PG_USER,
        password=PG_PASSWORD,
        database=database,
        timeout=5,
    )
    try:
        return [int(await conn.fetchval(q, timeout=5)) for q in queries]
    finally:
        await conn.close()


async def consumer_lag(bootstrap: str) -> int:
    """Records not yet committed by any of Trygg's consumer groups, over all their partitions."""
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        await consumer.start()
        groups = [g[0] for g in await admin.list_consumer_groups() if g[0].startswith("trygg.")]
        lag = 0
        for group in groups:
            committed = await admin.list_consumer_group_offsets(group)
            partitions = list(committed)
            ends = await consumer.end_offsets(partitions)
            lag += sum(max(0, ends[tp] - _offset(committed[tp].offset)) for tp in partitions)
        return lag
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()
        await admin.close()


def _offset(committed: int) -> int:
    return max(committed, 0)
