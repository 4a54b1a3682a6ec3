"""B1 and B1r: the walks API drafting action plans (`POST /action-plans`, two measures) and
listing them (`GET /action-plans?limit=50`), under wrk at a fixed number of connections.

B1's baseline, in the same run: as many asyncpg connections, each in a loop running the SQL
the operation needs in one transaction (BEGIN, the plan row, both measure rows in one
INSERT, COMMIT) against the same tables. Drafting a plan publishes nothing, so there is no
outbox row to write; publishing is B4.
"""

import asyncio
import json
import time
import uuid
from datetime import date
from typing import Any

import asyncpg
from benchkit import Goal, Row, Sizes, percentile
from benchstack import MUNICIPALITY, BenchStack, token
from loadgen import wrk

AREA = {
    "type": "Polygon",
    "coordinates": [
        [[13.818, 57.158], [13.836, 57.158], [13.836, 57.168], [13.818, 57.168], [13.818, 57.158]]
    ],
}
MEASURE = {
    "title": "Byt trasiga armaturer i gångtunneln",
    "description": "Två armaturer byts och belysningen förstärks vid tunnelns mynningar.",
    "responsible": {"name": "Värnamo kommun, gatuavdelningen", "department_code": "GATA"},
    "priority": "high",
    "due_date": "2027-12-20",
}
PLAN: dict[str, Any] = {
    "municipality_code": MUNICIPALITY,
    "locality": "Forsheda",
    "title": "Åtgärdsplan för tryggare kvällar i Forsheda",
    "public_summary": "Bättre belysning och röjd grönska längs vägen mellan skolan och stationen.",
    "affected_area": AREA,
    "buffer_m": 200,
    "measures": [MEASURE, {**MEASURE, "title": "Röj grönskan längs gång- och cykelvägen"}],
}
WALKS = ["walks:read", "walks:write", "walks:publish"]

INSERT_PLAN = """
INSERT INTO action_plan (id, municipality_code, locality, title, public_summary, affected_area,
  buffer_m, status, revision, created_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($6), 4326)), $7, 'draft', 0,
  'bench', now(), now())
"""
INSERT_MEASURES = """
INSERT INTO measure (id, plan_id, title, description, responsible_key, responsible_name,
  priority, due_date, status, observation_ids, created_at, updated_at)
VALUES ($1, $3, $4, $5, $6, $7, $8, $9, 'proposed', '[]', now(), now()),
       ($2, $3, $10, $5, $6, $7, $8, $9, 'proposed', '[]', now(), now())
"""


async def scenario(stack: BenchStack, sizes: Sizes) -> list[Row]:
    walks = stack.api_urls("walks")
    bearer = token(WALKS)
    ours, base, p50s, p99s, base_latencies = [], [], [], [], []
    for _ in range(sizes.runs):
        got = await wrk(
            walks,
            "POST",
            "/action-plans",
            token=bearer,
            body=PLAN,
            connections=sizes.connections,
            seconds=sizes.http_s,
        )
        ours.append(got.rate)
        p50s.append(got.p50_ms)
        p99s.append(got.p99_ms)
        rate, latencies = await asyncpg_loop(stack.dsn("walks"), sizes)
        base.append(rate)
        base_latencies.extend(latencies)
    c = sizes.connections
    write = Row(
        "B1",
        f"POST /action-plans, 2 measures, {c} connections",
        "req/s",
        ours,
        base,
        "asyncpg loop",
        sorted(p50s)[len(p50s) // 2],
        sorted(p99s)[len(p99s) // 2],
        goal=Goal(
            "ratio ≥ 0.5, p99 ≤ 50 ms", lambda r: (r.ratio or 0) >= 0.5 and (r.p99_ms or 1e9) <= 50
        ),
        extra={
            "p50_ms_runs": p50s,
            "p99_ms_runs": p99s,
            "baseline_p50_ms": percentile(base_latencies, 50),
            "baseline_p99_ms": percentile(base_latencies, 99),
        },
    )
    return [write, await listing(walks, bearer, sizes)]


async def listing(walks: list[str], bearer: str, sizes: Sizes) -> Row:
    rates, p50s, p99s = [], [], []
    for _ in range(sizes.runs):
        got = await wrk(
            walks,
            "GET",
            "/action-plans?limit=50",
            token=bearer,
            body=None,
            connections=sizes.connections,
            seconds=sizes.http_s,
        )
        rates.append(got.rate)
        p50s.append(got.p50_ms)
        p99s.append(got.p99_ms)
    return Row(
        "B1r",
        f"GET /action-plans?limit=50, {sizes.connections} connections",
        "req/s",
        rates,
        p50_ms=sorted(p50s)[len(p50s) // 2],
        p99_ms=sorted(p99s)[len(p99s) // 2],
        goal=Goal(
            "≥ 1,500 req/s, p99 ≤ 50 ms",
            lambda r: sorted(r.ours)[len(r.ours) // 2] >= 1500 and (r.p99_ms or 1e9) <= 50,
        ),
        extra={"p50_ms_runs": p50s, "p99_ms_runs": p99s},
    )


async def asyncpg_loop(dsn: str, sizes: Sizes) -> tuple[float, list[float]]:
    """Transactions per second of `connections` loops for the wrk run's length, and each
    transaction's latency in ms."""
    conns = [await asyncpg.connect(dsn) for _ in range(sizes.connections)]
    latencies: list[float] = []
    deadline = time.perf_counter() + sizes.http_s
    area = json.dumps(AREA)
    try:
        started = time.perf_counter()
        await asyncio.gather(*(_loop(c, area, deadline, latencies) for c in conns))
        return len(latencies) / (time.perf_counter() - started), latencies
    finally:
        await asyncio.gather(*(c.close() for c in conns))


async def _loop(conn: asyncpg.Connection, area: str, deadline: float, out: list[float]) -> None:
    first, second = PLAN["measures"]
    responsible = f"dept:{MUNICIPALITY}:GATA"
    while (started := time.perf_counter()) < deadline:
        plan_id = uuid.uuid4()
        async with conn.transaction():
            await conn.execute(
                INSERT_PLAN,
                plan_id,
                MUNICIPALITY,
                PLAN["locality"],
                PLAN["title"],
                PLAN["public_summary"],
                area,
                PLAN["buffer_m"],
            )
            await conn.execute(
                INSERT_MEASURES,
                uuid.uuid4(),
                uuid.uuid4(),
                plan_id,
                first["title"],
                first["description"],
                responsible,
                first["responsible"]["name"],
                first["priority"],
                date.fromisoformat(first["due_date"]),
                second["title"],
            )
        out.append((time.perf_counter() - started) * 1000)
