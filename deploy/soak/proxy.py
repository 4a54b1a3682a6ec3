"""A TCP proxy on 127.0.0.1 that can be told to misbehave: add latency, stall, or drop every
connection. The soak puts one in front of PostgreSQL and one in front of each Kafka broker, so
the services meet a slow or broken network without anything but this process knowing.
"""

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)
CHUNK = 64 * 1024


class FaultyProxy:
    """Forwards `listen_port` to `target_port`. Faults apply to every connection, open or new."""

    def __init__(self, name: str, listen_port: int, target_port: int) -> None:
        self.name = name
        self.listen_port = listen_port
        self.target_port = target_port
        self.latency_s = 0.0
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.listen_port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        self.drop()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    # --- the faults ----------------------------------------------------------------------------

    def slow(self, latency_s: float) -> None:
        """Every chunk either way waits this long before it is passed on."""
        self.latency_s = latency_s

    def stall(self) -> None:
        """Nothing passes, connections stay open: what a black-holed network looks like."""
        self._flowing.clear()

    def drop(self) -> None:
        """Cut every open connection at once (new ones are accepted)."""
        for task in list(self._connections):
            task.cancel()

    def heal(self) -> None:
        self.latency_s = 0.0
        self._flowing.set()

    # --- forwarding -----------------------------------------------------------------------------

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._forward(client_r, client_w)
        except asyncio.CancelledError:
            pass  # dropped on purpose; the streams are closed below
        finally:
            self._connections.discard(task)
            client_w.close()

    async def _forward(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            return  # the target is down: the client sees its connection closed, as it would
        try:
            await asyncio.gather(self._pipe(client_r, server_w), self._pipe(server_r, client_w))
        finally:
            server_w.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            # A connection cut, by a fault or by either end, just ends the pipe.
            with contextlib.suppress(OSError):
                while data := await reader.read(CHUNK):
                    await self._flowing.wait()
                    if self.latency_s:
                        await asyncio.sleep(self.latency_s)
                    writer.write(data)
                    await writer.drain()
        finally:
            # One side finished: end the other too, as a plain TCP hop would.
            writer.close()
