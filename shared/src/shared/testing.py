"""Helpers for the test tiers: the test stack, a probe contract, waiting on conditions."""

import asyncio
import contextlib
import ipaddress
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI
from sqlalchemy import Connection, MetaData, String, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import mint_token
from shared.consumer import EventMeta, Received
from shared.db import asyncpg_dsn, get_session
from shared.events import Contract, envelope, register
from shared.settings import DEV_DATABASE_PASSWORD, AuthSettings, KafkaSettings

REPOSITORY = Path(__file__).resolve().parents[3]


@register
class ProbeHappened(Contract):
    """A test-only event: something numbered `n` happened to `aggregate`."""

    wire_type = "se.trygg.test.probe.happened.v1"
    source = "/test"
    aggregate_type = "probe"

    aggregate: str
    n: int

    def aggregate_id(self) -> str:
        return self.aggregate


# Where the service tier points its apps' Kafka settings: nothing listens there, so a service
# test that reaches for the broker fails instead of passing by the test stack's grace.
NO_BROKER = KafkaSettings(bootstrap_servers="127.0.0.1:1")


@dataclass(frozen=True)
class TestStack:
    """The PostgreSQL and Kafka that `make test` started, and the script that controls them."""

    __test__ = False  # not a test class, despite its name

    script: str
    pg_port: int
    kafka_port: int

    @classmethod
    def from_env(cls) -> "TestStack":
        script = os.environ.get("TRYGG_TEST_STACK")
        if not script:
            raise RuntimeError("The test stack is not up: run the tests with `make test`.")
        return cls(script, int(os.environ["TRYGG_PG_PORT"]), int(os.environ["TRYGG_KAFKA_PORT"]))

    def database_url(self, database: str) -> str:
        return f"postgresql+asyncpg://trygg:{DEV_DATABASE_PASSWORD}@127.0.0.1:{self.pg_port}/{database}"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def kafka_settings(self, **overrides: object) -> KafkaSettings:
        return KafkaSettings.model_validate({"bootstrap_servers": self.bootstrap, **overrides})

    async def control(self, command: str) -> None:
        """Run one of the stack script's commands (kafka-kill, pg-stop, ...) without blocking."""
        process = await asyncio.create_subprocess_exec(
            self.script, command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, err = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"{command} failed: {err.decode()}")


async def wait_until(
    condition: Callable[[], Awaitable[bool]], timeout_s: float = 60.0, what: str = "condition"
) -> None:
    """Await a condition by checking it every 50 ms, failing after `timeout_s`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.05)


async def read_topic(
    bootstrap: str,
    topic: str,
    count: int,
    partitions: int = 3,
    timeout_s: float = 60.0,
    until: Callable[[list[ConsumerRecord[bytes, bytes]]], bool] | None = None,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read a topic from the beginning until `count` records arrived (or `until` holds)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        records: list[ConsumerRecord[bytes, bytes]] = []

        async def enough() -> bool:
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
            return until(records) if until else len(records) >= count

        await wait_until(enough, timeout_s, f"{count} records on {topic}")
        return records
    finally:
        await consumer.stop()


async def records_keyed(
    bootstrap: str, topic: str, key: str, partitions: int
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record on the topic under `key`, reading each partition to its end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        found: list[ConsumerRecord[bytes, bytes]] = []

        async def read_to_the_end() -> bool:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                found.extend(r for r in batch if r.key == key.encode())
            return all([await consumer.position(tp) >= ends[tp] for tp in tps])

        await wait_until(read_to_the_end, 60, f"the end of {topic}")
        return found
    finally:
        await consumer.stop()


async def find_event(
    bootstrap: str, topic: str, event_id: str, timeout_s: float = 60.0
) -> ConsumerRecord[bytes, bytes]:
    """The record of one event on a topic other tests may also write to."""

    def has_it(records: list[ConsumerRecord[bytes, bytes]]) -> bool:
        return any(dict(r.headers).get("id") == event_id.encode() for r in records)

    records = await read_topic(bootstrap, topic, 0, timeout_s=timeout_s, until=has_it)
    return next(r for r in records if dict(r.headers).get("id") == event_id.encode())


async def recreate_database(stack: TestStack, name: str) -> str:
    """Drop and create a database on the test stack; returns its SQLAlchemy URL."""
    conn = await asyncpg.connect(asyncpg_dsn(stack.database_url("postgres")))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return stack.database_url(name)


def unique_name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


async def record_probe(event: ProbeHappened, session: AsyncSession, *, meta: EventMeta) -> None:
    """A handler with a visible side effect: one probe_effect row per handled event."""
    if event.n < 0:
        raise ValueError(f"probe {event.n} is negative")
    conn = await session.connection()
    await conn.execute(
        text("INSERT INTO probe_effect (event_id, aggregate, n) VALUES (:e, :a, :n)"),
        {"e": meta.id, "a": event.aggregate, "n": event.n},
    )


# One statement of one shape for a whole batch: compiled and prepared once.
_RECORD_PROBES = text(
    "INSERT INTO probe_effect (event_id, aggregate, n) SELECT * FROM "
    "unnest(CAST(:e AS text[]), CAST(:a AS text[]), CAST(:n AS integer[]))"
)


async def record_probes(batch: Sequence[Received], session: AsyncSession) -> None:
    """`record_probe` for a whole batch (a consumer `Batch` route), in one set-based INSERT."""
    events: list[ProbeHappened] = [r.event for r in batch]
    negative = [e.n for e in events if e.n < 0]
    if negative:
        raise ValueError(f"probe {negative[0]} is negative")
    conn = await session.connection()
    await conn.execute(
        _RECORD_PROBES,
        {
            "e": [r.meta.id for r in batch],
            "a": [e.aggregate for e in events],
            "n": [e.n for e in events],
        },
    )


@contextlib.asynccontextmanager
async def running(
    job: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
) -> AsyncIterator[None]:
    """Run a relay's or consumer's `run(stop)` in the background for the `async with` block."""
    stop = asyncio.Event()
    task = asyncio.create_task(job(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)


def probe_record(aggregate: str, n: int) -> bytes:
    """A valid CloudEvent carrying a probe, as a producer would put it on Kafka."""
    return envelope(ProbeHappened(aggregate=aggregate, n=n)).model_dump_json().encode()


async def migrate(service: str, url: str, revision: str = "head") -> None:
    """Run a service's Alembic history against `url` up to `revision`, as a deployment would."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "alembic",
        "-c",
        str(REPOSITORY / "services" / service / "alembic.ini"),
        "upgrade",
        revision,
        env={**os.environ, f"{service.upper()}_DB__URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"migrating {service} failed:\n{out.decode()}")


@contextlib.asynccontextmanager
async def rolled_back_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose commits only release savepoints; everything is rolled back at the end."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            await session.close()
            await outer.rollback()


def use_session(app: FastAPI, session: AsyncSession) -> None:
    """Make every request of `app` run in the test's session."""

    async def test_session() -> AsyncIterator[AsyncSession]:
        yield session
        await session.flush()

    app.dependency_overrides[get_session] = test_session


def api_client(
    app: FastAPI, raise_app_exceptions: bool = True, address: str = "127.0.0.1"
) -> httpx.AsyncClient:
    """A client calling `app` in-process, connecting from `address`."""
    transport = httpx.ASGITransport(
        app=app, raise_app_exceptions=raise_app_exceptions, client=(address, 123)
    )
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


class ChunkedBody:
    """A request body sent in chunks, without Content-Length, that counts how much was read."""

    def __init__(self, total_bytes: int, chunk_bytes: int = 64 * 1024) -> None:
        self.total_bytes = total_bytes
        self.chunk_bytes = chunk_bytes
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.read < self.total_bytes:
            chunk = b"a" * min(self.chunk_bytes, self.total_bytes - self.read)
            self.read += len(chunk)
            yield chunk


def client_address() -> str:
    """An address no other test connects from, so its rate-limit counts are its own."""
    return str(ipaddress.IPv4Address("100.64.0.0") + secrets.randbits(22))


def bearer(
    scopes: list[str],
    municipalities: list[str],
    subject: str = "tester",
    settings: AuthSettings | None = None,
) -> dict[str, str]:
    """Authorization headers with a development token."""
    token = mint_token(settings or AuthSettings(), subject, scopes, municipalities)
    return {"Authorization": f"Bearer {token}"}


# Tables PostGIS creates in every database it is enabled in; no service's models hold them.
EXTENSION_TABLES = {"spatial_ref_sys"}


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "table" and name in EXTENSION_TABLES)


def _type_differs(
    context: Any, inspected: Any, modelled: Any, inspected_type: Any, modelled_type: Any
) -> bool | None:
    """PostgreSQL keeps `text` and `varchar` without a length the same way: a model's plain
    string and a migration's `text` agree. Anything else Alembic decides (None)."""
    unwrapped = [getattr(t, "impl", t) for t in (inspected_type, modelled_type)]
    unbounded = [isinstance(t, String) and t.length is None for t in unwrapped]
    return False if all(unbounded) else None


async def schema_differences(url: str, metadata: MetaData) -> list[Any]:
    """What Alembic's autogenerate would change to make the database at `url` match the
    models: empty when the migrations and the models describe the same schema."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def compare(sync_conn: Connection) -> list[Any]:
                options = {"compare_type": _type_differs, "include_object": _ours}
                context = MigrationContext.configure(sync_conn, opts=options)
                return list(compare_metadata(context, metadata))

            return await conn.run_sync(compare)
    finally:
        await engine.dispose()
