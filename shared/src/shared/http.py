"""ASGI middleware: request ids, request metrics and a cap on request body size."""

import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logs import request_id
from shared.metrics import HTTP_REQUESTS, HTTP_SECONDS

MAX_BODY_BYTES = 1024 * 1024


class RequestContext:
    """Tags each request with an id (echoed as X-Request-ID) and records its metrics."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming[:64] if incoming else uuid.uuid4().hex
        token = request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            HTTP_REQUESTS.labels(self.service, scope["method"], route, str(status)).inc()
            HTTP_SECONDS.labels(self.service, scope["method"], route).observe(
                time.perf_counter() - started
            )
            request_id.reset(token)


class BodySizeLimit:
    """Refuses request bodies over the limit with 413 before the route reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _too_large(scope, send, self.max_bytes)
            return
        await self.app(scope, receive, send)


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    body = (
        '{"type":"https://trygg.se/problems/payload-too-large","title":"Payload too large",'
        f'"status":413,"detail":"Request bodies are limited to {limit} bytes.",'
        f'"instance":"{scope["path"]}"}}'
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
