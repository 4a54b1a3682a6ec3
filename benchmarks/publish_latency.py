"""B4: from the start of walks' transaction publishing a plan (`POST /action-plans/{id}/publish`)
to notify's notification rows for that plan existing, through the whole stack (walks' API and
relay, Kafka, notify's worker with its dispatcher sending to a minimal SMTP server), at a steady
20 and 200 plans a second. Not from the answer: an API at its limit answers after the rows exist,
and the time from its answer reads near zero, or below.

Arrivals are open-loop: each publish starts at its own time drawn from a Poisson process,
whether or not the ones before it were answered, so a slow system meets the same load rather
than a gentler one. The drafts are made beforehand; a few residents live in the plans' area.

The moment a plan's rows exist is told by PostgreSQL itself: a trigger the benchmark puts on
notify's notification table (in its own stack's database) sends the plan's id with NOTIFY,
which arrives as the rows' transaction commits. A poller asking every few milliseconds, as an
earlier version did, loaded the two cores it measured enough to double the latencies.
"""

import asyncio
import random
import time
from dataclasses import dataclass
from functools import partial

import asyncpg
import httpx
from benchkit import Goal, Row, Sizes, percentile
from benchstack import MUNICIPALITY, BenchStack, token
from plans_write import PLAN, WALKS

from shared.contracts.walks import ActionPlanPublished

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
CHANNEL = "bench_plan_told"
TELL = f"""
CREATE OR REPLACE FUNCTION bench_plan_told() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('{CHANNEL}', m.plan_id::text)
  FROM message m WHERE m.id IN (SELECT DISTINCT message_id FROM fresh) AND m.plan_id IS NOT NULL;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER bench_plan_told AFTER INSERT ON notification
  REFERENCING NEW TABLE AS fresh FOR EACH STATEMENT EXECUTE FUNCTION bench_plan_told();
"""
# Where the time goes, per plan, from the clocks of one machine: the relay's mark that Kafka has
# the event (walks' outbox), the start of notify's transaction that took it (its inbox row).
RELAYED = """
SELECT aggregateid AS plan_id, id::text AS event_id, created_at, published_at FROM outbox
WHERE aggregateid = ANY($1::text[]) AND type = $2
"""
TAKEN = "SELECT id AS event_id, received_at FROM inbox WHERE id = ANY($1::text[])"
STAGES = (
    "walks' publish transaction begins → relay marks it sent",
    "relay's mark → notify's transaction begins",
    "notify's transaction begins → rows committed",
)
UNTELL = "DROP TRIGGER IF EXISTS bench_plan_told ON notification; DROP FUNCTION bench_plan_told()"


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


async def publish_at(client: httpx.AsyncClient, plans: list[str], rate: float) -> None:
    """Publish the plans at Poisson arrivals of `rate` a second, each on its own."""

    async def publish(plan_id: str) -> None:
        answer = await client.post(f"/action-plans/{plan_id}/publish")
        answer.raise_for_status()

    tasks, due = [], time.perf_counter()
    for plan_id in plans:
        due += random.expovariate(rate)
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(publish(plan_id)))
    await asyncio.gather(*tasks)


class Told:
    """When each plan's notification rows were committed, as NOTIFY tells it: a listener."""

    def __init__(self, plans: list[str]) -> None:
        self.wanted = set(plans)
        self.seen: dict[str, float] = {}
        self.everyone = asyncio.Event()

    def __call__(self, *args: object) -> None:
        plan_id = str(args[-1])  # (connection, pid, channel, payload)
        if plan_id in self.wanted and plan_id not in self.seen:
            self.seen[plan_id] = time.perf_counter()
            if len(self.seen) == len(self.wanted):
                self.everyone.set()

    async def all_of_them(self, timeout_s: float) -> dict[str, float]:
        try:
            await asyncio.wait_for(self.everyone.wait(), timeout_s)
        except TimeoutError:
            missing = len(self.wanted) - len(self.seen)
            raise TimeoutError(f"{missing} plans told no one in {timeout_s} s") from None
        return self.seen


@dataclass
class Run:
    latencies_ms: list[float]
    stages_ms: list[list[float]]  # one list per stage, as STAGES names them


async def one_run(client: httpx.AsyncClient, conns: "Conns", plans: list[str], rate: float) -> Run:
    told = Told(plans)
    await conns.notify.add_listener(CHANNEL, told)  # listening before the first publish
    try:
        await publish_at(client, plans, rate)
        seen = await told.all_of_them(timeout_s=120 + len(plans) / rate)
    finally:
        await conns.notify.remove_listener(CHANNEL, told)
    stages = await conns.stages(plans, seen)
    return Run([sum(plan) for plan in zip(*stages, strict=True)], stages)


@dataclass
class Conns:
    walks: asyncpg.Connection
    notify: asyncpg.Connection

    async def stages(self, plans: list[str], seen: dict[str, float]) -> list[list[float]]:
        """Each plan's time in each of STAGES, in ms, in the order of `plans`; perf_counter
        turned into wall time. The stages follow one another: their sum is the whole path."""
        wall = time.time() - time.perf_counter()
        relayed = await self.walks.fetch(RELAYED, plans, ActionPlanPublished.wire_type)
        taken = await self.notify.fetch(TAKEN, [r["event_id"] for r in relayed])
        began = {r["event_id"]: r["received_at"].timestamp() for r in taken}
        by_plan = {r["plan_id"]: r for r in relayed}
        found = []
        for plan in plans:
            row = by_plan[plan]
            begun, sent = row["created_at"].timestamp(), row["published_at"].timestamp()
            start = began[row["event_id"]]
            found.append((sent - begun, start - sent, seen[plan] + wall - start))
        return [[ms * 1000 for ms in stage] for stage in zip(*found, strict=True)]


async def scenario(stack: BenchStack, sizes: Sizes) -> list[Row]:
    conns = Conns(
        await asyncpg.connect(stack.dsn("walks")), await asyncpg.connect(stack.dsn("notify"))
    )
    await conns.notify.execute(SUBSCRIBE, RESIDENTS, MUNICIPALITY)
    await conns.notify.execute(TELL)
    try:
        return await _rates(stack, conns, sizes)
    finally:
        await conns.notify.execute(UNTELL)
        await conns.notify.close()
        await conns.walks.close()


async def _rates(stack: BenchStack, conns: Conns, sizes: Sizes) -> list[Row]:
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
                await one_run(client, conns, plans[i * per_run : (i + 1) * per_run], rate)
                for i in range(sizes.runs)
            ]
            pooled = [ms for run in runs for ms in run.latencies_ms]
            stages = {
                name: [ms for run in runs for ms in run.stages_ms[i]]
                for i, name in enumerate(STAGES)
            }
            for name, values in stages.items():
                print(
                    f"  B4 {rate}/s {name}: p50 {percentile(values, 50):.1f} ms, "
                    f"p99 {percentile(values, 99):.1f} ms",
                    flush=True,
                )
            rows.append(
                Row(
                    "B4",
                    f"publish → notification rows, {rate} plans/s, open-loop",
                    "ms p50 per run",
                    [percentile(r.latencies_ms, 50) for r in runs],
                    p50_ms=percentile(pooled, 50),
                    p99_ms=percentile(pooled, 99),
                    higher_is_better=False,
                    goal=Goal(goal, partial(within, p50_goal, p99_goal)),
                    extra={
                        "p99_ms_runs": [percentile(r.latencies_ms, 99) for r in runs],
                        "stages_p50_ms": {n: percentile(v, 50) for n, v in stages.items()},
                        "stages_p99_ms": {n: percentile(v, 99) for n, v in stages.items()},
                        "plans_per_run": per_run,
                        "residents": RESIDENTS,
                    },
                )
            )
    return rows
