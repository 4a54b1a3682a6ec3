"""The faults: each breaks one thing for a while, then mends it the way an operator (or a
supervisor) would, and says what it did.

- kill-broker: SIGKILL a Kafka broker (any of them, the active controller too), start it again
- stop-postgres: `pg_ctl stop -m immediate`, start it again
- kill-worker: SIGKILL a service's worker, start it again
- pause: SIGSTOP a worker or a broker, SIGCONT it later
- slow-network, stall-network, drop-connections: through the proxy before PostgreSQL (or a broker)
"""

import asyncio
import random
import signal
from collections.abc import Awaitable, Callable

from proxy import FaultyProxy
from system import System

Fault = Callable[[System], Awaitable[str]]


async def kill_broker(system: System) -> str:
    broker = random.choice(system.brokers_running())
    system.signal(broker, signal.SIGKILL)
    down = random.uniform(1, 5)
    await asyncio.sleep(down)
    await system.restart_infra()
    return f"SIGKILL {broker} ({down:.0f} s down)"


async def stop_postgres(system: System) -> str:
    system.stop_postgres_now()
    down = random.uniform(1, 5)
    await asyncio.sleep(down)
    await system.restart_infra()
    return f"postgres immediate stop ({down:.0f} s down)"


async def kill_worker(system: System) -> str:
    worker = random.choice(system.workers())
    system.signal(worker, signal.SIGKILL)
    down = random.uniform(0.5, 3)
    await asyncio.sleep(down)
    await system.restart_services()
    return f"SIGKILL {worker}"


async def pause(system: System) -> str:
    target = random.choice(system.workers() + system.brokers_running())
    system.signal(target, signal.SIGSTOP)
    held = random.uniform(2, 8)
    try:
        await asyncio.sleep(held)
    finally:
        system.signal(target, signal.SIGCONT)
    return f"SIGSTOP {target} {held:.0f} s"


def _proxy(system: System) -> FaultyProxy:
    return random.choice([system.pg_proxy, *system.kafka_proxies])


async def slow_network(system: System) -> str:
    proxy, latency, held = _proxy(system), random.uniform(0.05, 0.3), random.uniform(3, 10)
    proxy.slow(latency)
    try:
        await asyncio.sleep(held)
    finally:
        proxy.heal()
    return f"{proxy.name} +{latency * 1000:.0f} ms for {held:.0f} s"


async def stall_network(system: System) -> str:
    proxy, held = _proxy(system), random.uniform(2, 8)
    proxy.stall()
    try:
        await asyncio.sleep(held)
    finally:
        proxy.heal()
    return f"{proxy.name} stalled {held:.0f} s"


async def drop_connections(system: System) -> str:
    proxy = _proxy(system)
    proxy.drop()
    return f"{proxy.name} connections cut"


FAULTS: dict[str, Fault] = {
    "kill-broker": kill_broker,
    "stop-postgres": stop_postgres,
    "kill-worker": kill_worker,
    "pause": pause,
    "slow-network": slow_network,
    "stall-network": stall_network,
    "drop-connections": drop_connections,
}
