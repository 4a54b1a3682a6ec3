"""A local mail sink: an SMTP server on 127.0.0.1 that keeps every message it is given.

Each message is stored as an .eml file in the folder given with --dir, listed in index.jsonl
(one JSON line per message) and in index.html, a page a newcomer can open in a browser.
It accepts every message; nothing leaves the machine.

    python deploy/sinks/mail_sink.py --port 2525 --dir .state/dev/mail
"""

import argparse
import asyncio
import contextlib
import html
import json
import signal
import time
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

HEADERS = BytesHeaderParser()
INDEX_LIMIT = 200
INDEX_EVERY_S = 1.0


class MailSink:
    """An aiosmtpd handler that stores messages under `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self._recent: list[dict[str, Any]] = []
        self._index_due = 0.0
        self._index = (folder / "index.jsonl").open("a", encoding="utf-8")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        # Small local writes, done inline: a thread hop per message would cost more.
        self.count += 1
        content = envelope.original_content or b""
        name = f"{time.time_ns()}-{self.count}.eml"
        (self.folder / name).write_bytes(content)
        # The headers only: parsing whole MIME messages would make the sink the bottleneck.
        headers = HEADERS.parsebytes(content)
        entry = {
            "file": name,
            "received_at": datetime.now(UTC).isoformat(),
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(make_header(decode_header(headers.get("Subject", "")))),
            "message_id": str(headers.get("Message-ID", "")),
        }
        self._index.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._index.flush()
        self._recent = [entry, *self._recent[: INDEX_LIMIT - 1]]
        self._write_page_if_due()
        return "250 Message accepted for delivery"

    def _write_page_if_due(self) -> None:
        # Rewriting the page for every message would cost more than storing it.
        now = time.monotonic()
        if now < self._index_due:
            return
        self._index_due = now + INDEX_EVERY_S
        self.write_page()

    def write_page(self) -> None:
        rows = "\n".join(
            f"<tr><td>{html.escape(e['received_at'][:19])}</td>"
            f"<td>{html.escape(', '.join(e['to']))}</td>"
            f'<td><a href="{html.escape(e["file"])}">{html.escape(e["subject"])}</a></td></tr>'
            for e in self._recent
        )
        page = (
            "<!doctype html><meta charset=utf-8><title>Trygg mail sink</title>"
            "<h1>Messages the mail sink received</h1>"
            f"<p>{self.count} since the sink started; the newest {len(self._recent)} below. "
            "Each is an .eml file in this folder.</p>"
            f"<table><tr><th>Received</th><th>To</th><th>Subject</th></tr>{rows}</table>"
        )
        (self.folder / "index.html").write_text(page, encoding="utf-8")

    def close(self) -> None:
        self.write_page()
        self._index.close()


async def serve(host: str, port: int, folder: Path) -> None:
    sink = MailSink(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, hostname="trygg-mail-sink"), host, port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"mail sink on {host}:{port}, messages in {folder}", flush=True)  # noqa: T201
    try:
        await stop.wait()
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await server.wait_closed()
        sink.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", type=Path, required=True, help="where messages are stored")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.dir.resolve()))


if __name__ == "__main__":
    main()
