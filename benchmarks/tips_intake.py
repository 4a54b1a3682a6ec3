"""Tips intake: residents' tips sent to `POST /public/{municipality}/tips` (no token, a new
id in every request, no contact details), under wrk at a fixed number of connections. There
is no baseline in the table for it yet: the figures are there to be compared run to run.
"""

import httpx
from benchkit import Row, Sizes
from benchstack import MUNICIPALITY, BenchStack, token
from loadgen import wrk

TIP = {
    "id": "{{id}}",
    "category": "vandalism",
    "description": "Busskuren vid torget har fått rutorna krossade igen.",
    "locality": "Forsheda",
    "answers": {"happening_now": "no"},
}


async def offer_categories(stack: BenchStack) -> None:
    """The municipality's tip categories, the defaults, as its administrator sets them up."""
    admin = {"Authorization": f"Bearer {token(['tips:read', 'tips:write', 'tips:admin'])}"}
    async with httpx.AsyncClient(base_url=stack.url("tips"), headers=admin, timeout=30) as tips:
        answer = await tips.post(f"/municipalities/{MUNICIPALITY}/default-categories")
        answer.raise_for_status()


async def scenario(stack: BenchStack, sizes: Sizes) -> list[Row]:
    await offer_categories(stack)
    rates, p50s, p99s = [], [], []
    for _ in range(sizes.runs):
        got = await wrk(
            stack.api_urls("tips"),
            "POST",
            f"/public/{MUNICIPALITY}/tips",
            token=None,
            body=TIP,
            connections=sizes.connections,
            seconds=sizes.http_s,
        )
        rates.append(got.rate)
        p50s.append(got.p50_ms)
        p99s.append(got.p99_ms)
    return [
        Row(
            "tips",
            f"POST /public/{MUNICIPALITY}/tips, {sizes.connections} connections",
            "req/s",
            rates,
            p50_ms=sorted(p50s)[len(p50s) // 2],
            p99_ms=sorted(p99s)[len(p99s) // 2],
            extra={"p50_ms_runs": p50s, "p99_ms_runs": p99s},
        )
    ]
