"""B4: from the answer to `POST /action-plans/{id}/publish` to notify's notification rows for
that plan existing, through the whole stack (walks' API and relay, Kafka, notify's worker with
its dispatcher sending to a minimal SMTP server), at a steady 20 and 200 plans a second.

Arrivals are open-loop: each publish starts at its own time drawn from a Poisson process,
whether or not the ones before it were answered, so a slow system meets the same load rather
than a gentler one. The drafts are made beforehand; a few residents live in the plans' area.
A poller reads notify's database every 5 ms, so the times are off by at most that.
"""

import asyncio
import random
import time
import uuid
from functools import partial

import asyncpg
import httpx
from benchkit import Goal, Row, Sizes, percentile
from benchstack import MUNICIPALITY, BenchStack, token
from plans_write import PLAN, WALKS

RATES = ((20, "p50 ≤ 10 ms, p99 ≤ 50 ms", 10, 50), (200, "p50 ≤ 25 ms, p99 ≤ 100 ms", 25, 100))
RESIDENTS = 5
SUBSCRIBE = """
INSERT INTO subscription (id, email, language, status, place_kind, place, radius_m, reach,
  municipality_code, channels, created_at, confirmed_at)
SELECT gen_random_uuid(), 'resident' || i || '@bench.example', 'sv', 'confirmed', 'point', p,
  100, ST_Expand(ST_Envelope(ST_Buffer(p::geography, 101)::geometry), 0.00001), $2,
  '{"action_plans": "email"}', now(), now()
FROM (SELECT i, ST_SetSRID(ST_MakePoint(13.82 + random() * 0.014, 57.16 + random() * 0.006),
      4326) AS p FROM generate_series(1, $1) AS i) AS places
"""
TOLD = """
SELECT m.plan_id FROM message m
WHERE m.plan_id = ANY($1::uuid[])
  AND EXISTS (SELECT 1 FROM notification n WHERE n.message_id = m.id)
"""


def within(p50_ms: float, p99_ms: float, row: Row) -> bool:
    return (row.p50_ms or 1e9) <= p50_ms and (row.p99_ms or 1e9) <= p99_ms


async def drafts(client: httpx.AsyncClient, count: int) -> list[str]:
    """`count` draft plans, made 16 at a time."""
    gate = asyncio.Semaphore(16)

    async def one() -> str:
        async with gate:
            answer = await client.post("/action-plans", json=PLAN)
            answer.raise_for_status()
            return str(answer.json()["id"])

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def publish_at(
    client: httpx.AsyncClient, plans: list[str], rate: float, answered: dict[str, float]
) -> None:
    """Publish the plans at Poisson arrivals of `rate` a second, each on its own."""

    async def publish(plan_id: str) -> None:
        answer = await client.post(f"/action-plans/{plan_id}/publish")
        answer.raise_for_status()
        answered[plan_id] = time.perf_counter()

    tasks, due = [], time.perf_counter()
    for plan_id in plans:
        due += random.expovariate(rate)
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(publish(plan_id)))
    await asyncio.gather(*tasks)


async def watch(conn: asyncpg.Connection, plans: list[str], timeout_s: float) -> dict[str, float]:
    """When each plan's notification rows were first seen."""
    seen: dict[str, float] = {}
    deadline = time.perf_counter() + timeout_s
    while len(seen) < len(plans):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{len(plans) - len(seen)} plans told no one in {timeout_s} s")
        pending = [uuid.UUID(p) for p in plans if p not in seen]
        now = time.perf_counter()
        for row in await conn.fetch(TOLD, pending):
            seen[str(row["plan_id"])] = now
        await asyncio.sleep(0.005)
    return seen


async def one_run(
    client: httpx.AsyncClient, conn: asyncpg.Connection, plans: list[str], rate: float
) -> list[float]:
    answered: dict[str, float] = {}
    watcher = asyncio.create_task(watch(conn, plans, timeout_s=120 + len(plans) / rate))
    try:
        await publish_at(client, plans, rate, answered)
    except BaseException:
        watcher.cancel()  # its connection is not to be left mid-query
        raise
    seen = await watcher
    return [(seen[p] - answered[p]) * 1000 for p in plans]


async def scenario(stack: BenchStack, sizes: Sizes) -> list[Row]:
    conn = await asyncpg.connect(stack.dsn("notify"))
    await conn.execute(SUBSCRIBE, RESIDENTS, MUNICIPALITY)
    headers = {"Authorization": f"Bearer {token(WALKS)}"}
    # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) could close one
    # just as a publish is sent on it: a lost answer would end the run, not measure it.
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=64, keepalive_expiry=2)
    rows = []
    async with httpx.AsyncClient(
        base_url=stack.url("walks"), headers=headers, limits=limits, timeout=60
    ) as client:
        for rate, goal, p50_goal, p99_goal in RATES:
            per_run = max(5, round(rate * sizes.latency_s))
            plans = await drafts(client, per_run * sizes.runs)
            runs = [
                await one_run(client, conn, plans[i * per_run : (i + 1) * per_run], rate)
                for i in range(sizes.runs)
            ]
            pooled = [ms for run in runs for ms in run]
            rows.append(
                Row(
                    "B4",
                    f"publish → notification rows, {rate} plans/s, open-loop",
                    "ms p50 per run",
                    [percentile(r, 50) for r in runs],
                    p50_ms=percentile(pooled, 50),
                    p99_ms=percentile(pooled, 99),
                    higher_is_better=False,
                    goal=Goal(goal, partial(within, p50_goal, p99_goal)),
                    extra={
                        "p99_ms_runs": [percentile(r, 99) for r in runs],
                        "plans_per_run": per_run,
                        "residents": RESIDENTS,
                    },
                )
            )
    await conn.close()
    return rows
