"""A three-broker Kafka cluster of its own for a test module, run by deploy/stack.sh, and a
steady numbered stream produced into it with the project's producer settings."""

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import RecordMetadata

from shared.kafka import start_producer, stop_admin, stop_quietly
from shared.settings import KafkaSettings

BROKERS = 3
# Above the test stack's own ports, so the cluster runs beside it.
PORT_OFFSET = 100


@dataclass(frozen=True)
class Broker:
    name: str
    port: int
    pid: int | None

    @property
    def node_id(self) -> int:
        return int(self.name.rsplit("-", 1)[1])


@dataclass(frozen=True)
class Cluster:
    script: str
    state_dir: Path
    kafka_port: int
    controller_port: int

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "TRYGG_KAFKA_ADVERTISED_PORTS"}
        return env | {
            "TRYGG_STATE_DIR": str(self.state_dir),
            "TRYGG_KAFKA_BROKERS": str(BROKERS),
            "TRYGG_KAFKA_PORT": str(self.kafka_port),
            "TRYGG_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "TRYGG_KAFKA_PARTITIONS": "3",
        }

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{self.kafka_port + i * 10}" for i in range(BROKERS))

    async def run(self, command: str) -> str:
        process = await asyncio.create_subprocess_exec(
            self.script, command, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        out, err = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"stack.sh {command} failed: {err.decode()}")
        return out.decode()

    async def brokers(self) -> dict[str, Broker]:
        """`stack.sh brokers`: name, client port and PID (or -) of every node."""
        found = {}
        for line in (await self.run("brokers")).splitlines():
            name, port, pid = line.split()
            found[name] = Broker(name, int(port), None if pid == "-" else int(pid))
        return found

    async def active_controller(self) -> Broker:
        name = (await self.run("kafka-controller")).strip()
        return (await self.brokers())[name]


def cluster_beside(script: str, state_dir: Path) -> Cluster:
    port = int(os.environ["TRYGG_KAFKA_PORT"])
    controller = int(os.environ.get("TRYGG_KAFKA_CONTROLLER_PORT", port + 1))
    return Cluster(script, state_dir, port + PORT_OFFSET, controller + PORT_OFFSET)


def sigkill(broker: Broker) -> None:
    assert broker.pid is not None, f"{broker.name} is not running"
    os.kill(broker.pid, signal.SIGKILL)


@dataclass
class NumberStream:
    """Sends 0, 1, 2, ... at a steady pace without waiting for acks, as a busy relay would;
    counts the acks and keeps any failure."""

    settings: KafkaSettings
    topic: str
    per_tick: int = 10
    tick_s: float = 0.02
    sent: int = 0
    acked: int = 0
    partitions: int = 3
    failures: list[BaseException] = field(default_factory=list)
    acked_by_partition: Counter[int] = field(default_factory=Counter)
    _pending: set[asyncio.Future[RecordMetadata]] = field(default_factory=set)

    async def run(self, stop: asyncio.Event) -> None:
        producer = await start_producer(self.settings)
        try:
            for n in itertools.count():
                if stop.is_set():
                    break
                await self._send(producer, n)
                if (n + 1) % self.per_tick == 0:
                    await asyncio.sleep(self.tick_s)  # the pace of the stream, not a wait
            await asyncio.gather(*self._pending, return_exceptions=True)
        finally:
            await stop_quietly(producer, self.settings.stop_timeout_s)

    async def _send(self, producer: AIOKafkaProducer, n: int) -> None:
        future = await producer.send(self.topic, key=str(n).encode(), value=str(n).encode())
        self.sent = n + 1
        self._pending.add(future)
        future.add_done_callback(self._count)

    def _count(self, future: asyncio.Future[RecordMetadata]) -> None:
        self._pending.discard(future)
        if future.cancelled():
            self.failures.append(asyncio.CancelledError())
        elif (error := future.exception()) is not None:
            self.failures.append(error)
        else:
            self.acked += 1
            self.acked_by_partition[future.result().partition] += 1

    def acked_everywhere_beyond(self, counts: Counter[int], more: int) -> bool:
        """Every partition got `more` acks since `counts` (a copy of acked_by_partition)."""
        assert not self.failures, self.failures
        return all(self.acked_by_partition[p] >= counts[p] + more for p in range(self.partitions))


@contextlib.asynccontextmanager
async def admin_for(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        yield admin
    finally:
        await stop_admin(admin)


def group_consumer(bootstrap: str, topic: str, group: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )


async def read_numbers(consumer: AIOKafkaConsumer, enough: int) -> list[int]:
    """Numbers read until at least `enough` arrived."""
    numbers: list[int] = []
    while len(numbers) < enough:
        for batch in (await consumer.getmany(timeout_ms=500)).values():
            numbers.extend(int(r.value) for r in batch if r.value is not None)
    return numbers


async def read_to_the_end(consumer: AIOKafkaConsumer, topic: str, partitions: int) -> list[int]:
    """Numbers read from the committed offsets until every partition's end."""
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    ends = await consumer.end_offsets(tps)
    numbers: list[int] = []

    async def at_the_end() -> bool:
        assigned = consumer.assignment()
        return len(assigned) == len(tps) and all(
            [await consumer.position(tp) >= ends[tp] for tp in tps]
        )

    while not await at_the_end():
        for batch in (await consumer.getmany(timeout_ms=500)).values():
            numbers.extend(int(r.value) for r in batch if r.value is not None)
    return numbers
