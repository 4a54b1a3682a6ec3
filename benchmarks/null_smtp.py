"""A minimal SMTP server for benchmarks: it takes every message and keeps none.

It costs the sending side what a real mail server would (greeting, EHLO, MAIL, RCPT, DATA with
its dot-terminated body) and leaves the CPU to the sender, unlike the dev mail sink, which
parses and stores every message.

    .venv/bin/python benchmarks/null_smtp.py 2526
"""

import asyncio
import sys


class NullSmtp(asyncio.Protocol):
    """A minimal SMTP server that takes every message and keeps none: it costs the sending side
    what a real mail server would and leaves the CPU to it, unlike the dev mail sink, which
    parses and stores each message."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport, self.buffer, self.in_data = transport, b"", False
        transport.write(b"220 null-smtp ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self._step():
            pass

    def _step(self) -> bool:
        if self.in_data:
            end = self.buffer.find(b"\r\n.\r\n")
            if end < 0:
                return False
            self.buffer, self.in_data = self.buffer[end + 5 :], False
            self.transport.write(b"250 2.0.0 accepted\r\n")
            return True
        end = self.buffer.find(b"\r\n")
        if end < 0:
            return False
        verb, self.buffer = self.buffer[:4].upper(), self.buffer[end + 2 :]
        self.transport.write(REPLIES.get(verb, b"250 2.0.0 ok\r\n"))
        self.in_data = verb == b"DATA"
        if verb == b"QUIT":
            self.transport.close()
        return True


REPLIES = {
    b"EHLO": b"250-null-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
    b"DATA": b"354 go ahead\r\n",
    b"QUIT": b"221 bye\r\n",
}


async def serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(NullSmtp, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
