"""A real API under uvicorn, started the way the stack starts it (`python -m shared.serve`), and a
real worker: everything either process writes is JSON, one line per record. The database they
are given does not answer, so a request that needs it fails with a 500 like any unhandled error."""

import asyncio
import json
import os
import signal
import socket
import sys
import uuid

import httpx
import pytest

from shared.testing import wait_until

pytestmark = pytest.mark.unit

UNREACHABLE = {
    "WALKS_DB__URL": "postgresql+asyncpg://u:p@127.0.0.1:1/x",
    "WALKS_KAFKA__BOOTSTRAP_SERVERS": "127.0.0.1:1",
    "WALKS_WORKER__METRICS_PORT": "0",  # any free port: never one a running stack holds
    "TRYGG_ENVIRONMENT": "development",
    "PYTHONUNBUFFERED": "1",
    # One process is the case here; shared/tests/test_serve.py starts several.
    "WALKS_API__PROCESSES": "1",
}
START_S = 120.0  # importing a service takes a while on a busy machine


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _start(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def _records(output: bytes) -> list[dict[str, object]]:
    """Every line a process wrote, parsed; one that is not JSON fails the test."""
    return [json.loads(line) for line in output.decode().splitlines()]


async def _stop(process: asyncio.subprocess.Process) -> list[dict[str, object]]:
    """Stops the process the way the stack does, with SIGTERM; returns the records it wrote to
    stdout and stderr that were not read yet."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    return await _exited(process)


async def _exited(process: asyncio.subprocess.Process) -> list[dict[str, object]]:
    out, err = await asyncio.wait_for(process.communicate(), START_S)
    return _records(out + err)


async def test_the_api_writes_json_one_access_record_per_request_and_one_per_error() -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    api = await _start("-m", "shared.serve", "walks", "--port", str(port), env=UNREACHABLE)
    try:
        async with httpx.AsyncClient(base_url=base) as client:

            async def serving() -> bool:
                try:
                    return (await client.get("/livez")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_until(serving, START_S, "the API to serve")
            walk = uuid.uuid4()
            failed = await client.get(f"/public/walks/{walk}", headers={"X-Request-ID": "req-500"})
    finally:
        lines = await _stop(api)
    assert failed.status_code == 500
    assert failed.headers["x-request-id"] == "req-500"
    assert {line["service"] for line in lines} == {"walks"}
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]
    assert any(line["logger"] == "uvicorn.error" for line in lines)  # the server's own lines
    errors = [line for line in lines if line["level"] in ("error", "critical")]
    assert len(errors) == 1
    assert errors[0]["request_id"] == "req-500"
    assert "ConnectionRefusedError" in str(errors[0]["exception"])
    [access] = [line for line in lines if line.get("path") == f"/public/walks/{walk}"]
    assert access["logger"] == "shared.access"
    assert access["request_id"] == "req-500"
    assert (access["method"], access["route"], access["status"]) == (
        "GET",
        "/public/walks/{walk_id}",
        500,
    )
    assert isinstance(access["duration_ms"], float)


async def test_the_worker_writes_json_from_start_to_stop() -> None:
    worker = await _start("-m", "walks.worker", env=UNREACHABLE)
    assert worker.stdout is not None
    read = b""
    try:
        # Until the relay says it cannot reach the database: the worker is well into its work.
        while b"relay lost the database" not in read:
            line = await asyncio.wait_for(worker.stdout.readline(), START_S)
            assert line, "the worker stopped before its relay tried the database"
            read += line
    finally:
        lines = _records(read) + await _stop(worker)
    messages = [line["message"] for line in lines]
    assert "worker started" in messages[:2]  # after where it serves its metrics, if first
    assert messages[-1] == "worker stopped"
    assert {line["service"] for line in lines} == {"walks"}
    assert worker.returncode == 0


@pytest.mark.parametrize(
    "command", [("-m", "walks.worker"), ("-m", "shared.serve", "walks", "--port", "1")]
)
async def test_a_process_that_refuses_to_start_says_why_in_json(command: tuple[str, ...]) -> None:
    production = {**UNREACHABLE, "TRYGG_ENVIRONMENT": "production"}
    process = await _start(*command, env=production)
    [refusal] = await _exited(process)
    assert process.returncode == 1
    assert refusal["level"] == "critical"
    assert str(refusal["message"]).startswith("Refusing to start: TRYGG_ENVIRONMENT is production")
    assert "WALKS_AUTH__SECRET" in str(refusal["message"])
