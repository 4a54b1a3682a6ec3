"""An API served by several processes on one port: as many as cores by default, JSON logs from
each, one /metrics that counts for them all, and all of them stopped through the one PID."""

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest

from shared.serve import available_cores, listening_socket, serve_settings, server_config
from shared.testing import wait_until

pytestmark = pytest.mark.unit

ENV = {
    "WALKS_DB__URL": "postgresql+asyncpg://u:p@127.0.0.1:1/x",  # never asked: no route needs it
    "WALKS_KAFKA__BOOTSTRAP_SERVERS": "127.0.0.1:1",
    "TRYGG_ENVIRONMENT": "development",
    "PYTHONUNBUFFERED": "1",
}
START_S = 180.0  # each process imports the whole service, all at once on a busy machine
REQUESTS = 40


class TestHowMany:
    def test_as_many_processes_as_cores_by_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("WALKS_API__PROCESSES", raising=False)
        assert (
            serve_settings("walks").processes == available_cores() == len(os.sched_getaffinity(0))
        )

    def test_the_setting_of_the_service_decides(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("WALKS_API__PROCESSES", "3")
        assert serve_settings("walks").processes == 3
        assert serve_settings("tips").processes == available_cores()
        assert server_config("walks", "127.0.0.1", 8001, 3).workers == 3


def test_connections_accepted_on_the_port_send_without_delay() -> None:
    """Nagle's algorithm off on every accepted connection, or the body of a response written
    after its headers waits for the client's delayed acknowledgement on a kept-alive
    connection."""
    listener = listening_socket(server_config("walks", "127.0.0.1", _free_port(), 2))
    listener.listen()  # which each process's server does
    with listener, socket.create_connection(listener.getsockname()):
        accepted, _ = listener.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _command(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def _running(pids: set[int]) -> set[int]:
    return {pid for pid in pids if Path(f"/proc/{pid}").exists()}


def _requests_counted(metrics: str) -> float:
    prefix = 'trygg_http_requests_total{method="GET",route="/livez",service="walks",status="200"}'
    [line] = [line for line in metrics.splitlines() if line.startswith(prefix)]
    return float(line.split()[-1])


async def _serving(base: str) -> bool:
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            return (await client.get("/livez")).status_code == 200
    except httpx.TransportError:
        return False


async def test_two_processes_serve_one_port_and_count_together() -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    api = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "shared.serve", "walks", "--port", str(port), "--processes", "2"),
        env={**os.environ, **ENV},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await wait_until(lambda: _serving(base), START_S, "the API to serve")
        children = _children(api.pid)
        # Beside them, multiprocessing's resource tracker.
        assert len([pid for pid in children if b"spawn_main" in _command(pid)]) == 2
        for _ in range(REQUESTS - 1):  # each on a connection of its own, for either process
            async with httpx.AsyncClient(base_url=base) as client:
                assert (await client.get("/livez")).status_code == 200
        counts = set()
        for _ in range(6):
            async with httpx.AsyncClient(base_url=base) as client:
                counts.add(_requests_counted((await client.get("/metrics")).text))
    finally:
        api.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(api.communicate(), START_S)
    # Whichever process answered /metrics, it counted every request, served by either.
    assert counts == {REQUESTS}
    assert api.returncode == 0

    async def all_gone() -> bool:
        return not _running(children)

    # The resource tracker leaves once it sees the supervisor gone, a moment after.
    await wait_until(all_gone, 30, "every process the supervisor started to end")
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert {line["service"] for line in lines} == {"walks"}
    started = [line for line in lines if str(line["message"]).startswith("Started server process")]
    assert len(started) == 2


async def test_a_refusal_to_start_is_said_once_before_any_process_starts() -> None:
    production = {**ENV, "TRYGG_ENVIRONMENT": "production"}
    api = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "shared.serve", "walks", "--port", "1", "--processes", "2"),
        env={**os.environ, **production},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(api.communicate(), START_S)
    [refusal] = [json.loads(line) for line in out.decode().splitlines()]
    assert api.returncode == 1
    assert str(refusal["message"]).startswith("Refusing to start: TRYGG_ENVIRONMENT is production")
