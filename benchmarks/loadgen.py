"""HTTP load with wrk (C, an event loop per thread): a load generator that leaves the cores to
what it measures, unlike a Python client, and reports latency percentiles (`--latency`).

The connections are spread over every API process of the service; with more than one, the
rates add up and the percentiles are the worst process's.
"""

import asyncio
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from benchkit import ROOT

SCRIPT = ROOT / "benchmarks" / "wrk.lua"


@dataclass(frozen=True)
class HttpResult:
    rate: float  # requests per second
    p50_ms: float
    p99_ms: float
    requests: int


async def wrk(
    urls: list[str],
    method: str,
    path: str,
    *,
    token: str | None,
    body: dict[str, Any] | None,
    connections: int,
    seconds: float,
) -> HttpResult:
    await asyncio.gather(*(warm_up(url, method, path, token, body) for url in urls))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(body, file, ensure_ascii=False)
    try:
        share = max(1, connections // len(urls))
        runs = [
            _one(url, method, path, token, file.name if body else "-", share, seconds)
            for url in urls
        ]
        found = await asyncio.gather(*runs)
    finally:
        os.unlink(file.name)
    return HttpResult(
        rate=sum(r["requests"] / (r["duration_us"] / 1e6) for r in found),
        p50_ms=max(r["p50_us"] for r in found) / 1000,
        p99_ms=max(r["p99_us"] for r in found) / 1000,
        requests=sum(r["requests"] for r in found),
    )


async def _one(
    url: str, method: str, path: str, token: str | None, body: str, connections: int, s: float
) -> dict[str, Any]:
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(s))}s", "--latency"]
    command += ["--timeout", "10s", "-s", str(SCRIPT), url, "--", method, path, token or "-", body]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await process.communicate()
    text = out.decode()
    lines = [line for line in text.splitlines() if line.startswith('{"requests"')]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed:\n{text}")
    summary: dict[str, Any] = json.loads(lines[-1])
    if summary["errors"] or summary["status_errors"] or not summary["requests"]:
        raise RuntimeError(f"{method} {url}{path} did not go through cleanly:\n{text}")
    return summary


async def warm_up(
    url: str, method: str, path: str, token: str | None, body: dict[str, Any] | None
) -> None:
    """One request first: a process's first answers are slow, and a refusal is shown plainly."""
    content = json.dumps(body).replace("{{id}}", str(uuid.uuid4())) if body else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        answer = await client.request(method, path, content=content, headers=headers)
    if answer.status_code >= 400:
        raise RuntimeError(f"{method} {url}{path}: {answer.status_code} {answer.text}")
