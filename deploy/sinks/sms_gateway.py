"""A local SMS gateway that speaks the 46elks API and sends nothing.

`POST /a1/sms` takes the form fields `from`, `to` and `message` (and `whendelivered`) with
HTTP basic auth, answers as 46elks does (the SMS as JSON, with an `id`) and keeps the message
as a JSON line in messages.jsonl under --dir. `GET /a1/sms` lists them as 46elks does (newest
first, at most `limit` of 100 a page, filtered by `to`, `start` and `end`, with `next` for the
page after), and `GET /` shows them on a small page. With `whendelivered`, it reports delivery
to that URL the way 46elks does (a form POST with `id`, `status` and `delivered`).

    python deploy/sinks/sms_gateway.py --port 8025 --dir .state/dev/sms
"""

import argparse
import asyncio
import base64
import contextlib
import html
import json
import re
import secrets
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# A text sender id: 3-11 letters or digits, starting with a letter (46elks' rule).
TEXT_SENDER = re.compile(r"^[A-Za-z][A-Za-z0-9]{2,10}$")
COST_PER_PART = 3500  # 0.35 SEK, in 46elks' units of 1/10000
PAGE_LIMIT = 100  # 46elks gives at most 100 SMS a page


class SmsStore:
    """The messages taken, in memory and as JSON lines in `folder`/messages.jsonl."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "messages.jsonl"
        self.messages: list[dict[str, Any]] = []

    def add(self, sms: dict[str, Any]) -> None:
        self.messages.append(sms)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(sms, ensure_ascii=False) + "\n")


def _authorised(request: Request, username: str, password: str) -> bool:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return False
    try:
        given = base64.b64decode(header[6:]).decode()
    except (ValueError, UnicodeDecodeError):
        return False
    return secrets.compare_digest(given, f"{username}:{password}")


def _refusal(form: dict[str, str]) -> str | None:
    """46elks answers a bad request with a short text and a 4xx status."""
    for key in ("from", "to", "message"):
        if not form.get(key):
            return f"Missing key {key}"
    if not (E164.match(form["from"]) or TEXT_SENDER.match(form["from"])):
        return "Invalid from"
    if not E164.match(form["to"]):
        return "Invalid to number"
    return None


def _parts(message: str) -> int:
    limit = 160 if all(ord(c) < 128 for c in message) else 70
    return max(1, -(-len(message) // limit))


def create_app(store: SmsStore, username: str, password: str) -> Starlette:
    reports: set[asyncio.Task[None]] = set()

    async def send(request: Request) -> Response:
        if not _authorised(request, username, password):
            return PlainTextResponse("API access requires Basic HTTP authentication", 401)
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if refusal := _refusal(form):
            return PlainTextResponse(refusal, 400)
        sms: dict[str, Any] = {
            "status": "created",
            "direction": "outgoing",
            "from": form["from"],
            "created": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds"),
            "parts": _parts(form["message"]),
            "to": form["to"],
            "cost": COST_PER_PART * _parts(form["message"]),
            "message": form["message"],
            "id": "s" + uuid.uuid4().hex,
        }
        store.add({**sms, "whendelivered": form.get("whendelivered")})
        if form.get("whendelivered"):
            task = asyncio.create_task(_report(form["whendelivered"], sms["id"]))
            reports.add(task)
            task.add_done_callback(reports.discard)
        return JSONResponse(sms)

    async def listing(request: Request) -> Response:
        if not _authorised(request, username, password):
            return PlainTextResponse("API access requires Basic HTTP authentication", 401)
        try:
            return JSONResponse(_history(store.messages, request.query_params))
        except ValueError as exc:
            return PlainTextResponse(str(exc), 400)

    async def page(_: Request) -> Response:
        rows = "\n".join(
            f"<tr><td>{html.escape(m['created'][:19])}</td><td>{html.escape(m['to'])}</td>"
            f"<td>{html.escape(m['message'])}</td></tr>"
            for m in reversed(store.messages[-200:])
        )
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>Trygg SMS gateway stub</title>"
            f"<h1>SMS the stub took</h1><p>{len(store.messages)} messages.</p>"
            f"<table><tr><th>Created</th><th>To</th><th>Message</th></tr>{rows}</table>"
        )

    return Starlette(
        routes=[
            Route("/a1/sms", send, methods=["POST"]),
            Route("/a1/SMS", send, methods=["POST"]),
            Route("/a1/sms", listing, methods=["GET"]),
            Route("/", page, methods=["GET"]),
        ]
    )


def _history(messages: list[dict[str, Any]], query: Any) -> dict[str, Any]:
    """A page of the history as 46elks gives it: newest first; `start` keeps those created
    before it and `end` those after it (46elks' own naming), `next` is the `start` of the
    page after."""
    limit = min(int(query.get("limit", PAGE_LIMIT)), PAGE_LIMIT)
    before = _moment(query["start"]) if "start" in query else None
    after = _moment(query["end"]) if "end" in query else None
    chosen = [
        m
        for m in reversed(messages)
        if (not query.get("to") or m["to"] == query["to"])
        and (before is None or _moment(m["created"]) < before)
        and (after is None or _moment(m["created"]) > after)
    ]
    page: dict[str, Any] = {"data": [_public(m) for m in chosen[:limit]]}
    if len(chosen) > limit:
        page["next"] = chosen[limit - 1]["created"]
    return page


def _moment(value: str) -> datetime:
    """46elks writes UTC without an offset; either form is read as UTC."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _public(sms: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sms.items() if k != "whendelivered"}


async def _report(url: str, sms_id: str) -> None:
    """Tell the sender the SMS was delivered, as 46elks' `whendelivered` callback does."""
    await asyncio.sleep(0.1)
    form = {"id": sms_id, "status": "delivered", "delivered": datetime.now(UTC).isoformat()}
    with contextlib.suppress(httpx.HTTPError):
        async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
            await client.post(url, data=form)


@contextlib.asynccontextmanager
async def running(
    folder: Path, username: str = "trygg-dev", password: str = "trygg-dev-only"
) -> AsyncIterator[tuple[str, SmsStore]]:
    """The stub on a free port of 127.0.0.1 for the block: its base URL and its store."""
    store = SmsStore(folder)
    config = uvicorn.Config(
        create_app(store, username, password),
        host="127.0.0.1",
        port=0,
        log_config=None,
        access_log=False,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    # A socket of our own, bound before serving: its port is known at once.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{port}", store
    finally:
        server.should_exit = True
        await task
        sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, required=True, help="where messages are stored")
    parser.add_argument("--username", default="trygg-dev")
    parser.add_argument("--password", default="trygg-dev-only")
    args = parser.parse_args()
    store = SmsStore(args.dir.resolve())
    print(f"SMS gateway stub on http://{args.host}:{args.port}/, messages in {store.path}")  # noqa: T201
    uvicorn.run(
        create_app(store, args.username, args.password),
        host=args.host,
        port=args.port,
        access_log=False,
    )


if __name__ == "__main__":
    main()
