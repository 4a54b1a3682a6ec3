"""Reading a worker's metrics the way Prometheus does: over HTTP, in the text format."""

from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

from shared.testing import wait_until

# A sample's name and labels, as a scrape shows them.
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(port: int) -> Samples:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    response.raise_for_status()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def until_scraped(
    port: int, what: str, holds: Callable[[Samples], bool], timeout_s: float = 60.0
) -> Samples:
    """Scrape until `holds` is true of what the endpoint shows; returns that scrape."""
    seen: Samples = {}

    async def check() -> bool:
        nonlocal seen
        seen = await scrape(port)
        return holds(seen)

    await wait_until(check, timeout_s, what)
    return seen
