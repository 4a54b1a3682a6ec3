"""ASGI middleware: request ids, the access log, request metrics, a cap on request body size,
security headers."""

import base64
import hashlib
import inspect
import logging
import re
import time
import uuid
from collections.abc import Iterable, Mapping

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logs import request_id
from shared.metrics import HTTP_REQUESTS, HTTP_SECONDS

log = logging.getLogger(__name__)
access_log = logging.getLogger("shared.access")

MAX_BODY_BYTES = 1024 * 1024
# Path parameters that are credentials (residents' links carry them): never written to a log.
SECRET_PATH_PARAMS = frozenset({"token"})


class RequestContext:
    """Tags each request with an id (echoed as X-Request-ID), answers what the app left
    unhandled within that id, and logs and measures each request once."""

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
        status: int | None = None
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                if not await _answer_unhandled(scope, receive, send_with_id, exc, status):
                    raise
        finally:
            self._record(scope, status or 500, time.perf_counter() - started)
            request_id.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", "unmatched")
        HTTP_REQUESTS.labels(self.service, scope["method"], route, str(status)).inc()
        HTTP_SECONDS.labels(self.service, scope["method"], route).observe(seconds)
        access_log.info(
            "%s %s %d",
            scope["method"],
            route,
            status,
            extra={
                "method": scope["method"],
                "route": route,
                "path": loggable_path(scope),
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )


async def _answer_unhandled(
    scope: Scope, receive: Receive, send: Send, exc: Exception, status: int | None
) -> bool:
    """Renders an error no route or handler caught with the app's own handler for it, here,
    while the request id is set. Left to Starlette's outermost middleware, the handler would log
    it after the id is gone, and the server would log the same traceback a second time."""
    if status is not None:
        # Part of the response is on its way: there is nothing left to answer, only to log.
        log.error(
            "error after the response began: %s %s",
            scope["method"],
            loggable_path(scope),
            exc_info=exc,
        )
        return True
    handlers = getattr(scope.get("app"), "exception_handlers", {})
    handler = handlers.get(500) or handlers.get(Exception)
    if handler is None:
        return False
    response = handler(Request(scope, receive), exc)
    if inspect.isawaitable(response):
        response = await response
    await response(scope, receive, send)
    return True


def loggable_path(scope: Scope) -> str:
    """The request's path, with the path parameters that are credentials blanked out."""
    path: str = scope["path"]
    for name, value in scope.get("path_params", {}).items():
        if name in SECRET_PATH_PARAMS and value:
            path = path.replace(str(value), "[redacted]")
    return path


class BodySizeLimit:
    """Refuses request bodies over the limit with 413: at once when Content-Length says so,
    otherwise as soon as the bytes received pass it, without reading the rest. Paths under a
    prefix of `tighter` (such as the routes anyone may call) have that prefix's limit. A path
    that fully matches a pattern of `exact` has that pattern's limit instead, larger or smaller
    (a form that uploads photos under a prefix whose JSON routes need only kilobytes)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = MAX_BODY_BYTES,
        tighter: Mapping[str, int] | None = None,
        exact: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.tighter = dict(tighter or {})
        self.exact = [(re.compile(pattern), n) for pattern, n in (exact or {}).items()]

    def limit(self, path: str) -> int:
        for pattern, n in self.exact:
            if pattern.fullmatch(path):
                return n
        limits = [n for prefix, n in self.tighter.items() if path.startswith(prefix)]
        return min([self.max_bytes, *limits])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit(scope["path"])
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            await _too_large(scope, send, max_bytes)
            return
        metered = _MeteredBody(receive, send, max_bytes)
        try:
            await self.app(scope, metered.receive, metered.send)
        except Exception:
            # Whatever the app made of a body cut short is no news; another limit's cut is.
            if not metered.exceeded:
                raise
        if metered.exceeded and not metered.started:
            await _too_large(scope, send, max_bytes)


class BodyTooLarge(Exception):
    """Raised into the app by `receive` once the body has passed the limit."""


class _MeteredBody:
    """Counts body bytes as the app receives them; past the limit the app reads no more and
    what it answers is held back, so the 413 can take its place."""

    def __init__(self, receive: Receive, send: Send, max_bytes: int) -> None:
        self._receive = receive
        self._send = send
        self.max_bytes = max_bytes
        self.received = 0
        self.exceeded = False
        self.started = False

    async def receive(self) -> Message:
        if self.exceeded:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.max_bytes:
                self.exceeded = True
                raise BodyTooLarge(f"the body passed {self.max_bytes} bytes")
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded and not self.started:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


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


# Swagger UI (served from the service itself, see shared.docs) starts with an inline script:
# its pages keep only the policy that costs them nothing, no framing.
DOCS_POLICY = "frame-ancestors 'none'"
# JSON, XML and text are never to be rendered as a document, nor framed.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"


def style_source(css: str) -> str:
    """The CSP source that allows exactly this inline <style> element's text."""
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def page_policy(styles: Iterable[str] = ()) -> str:
    """Pages load nothing, run no script, post only to their own origin, are never framed."""
    sources = " ".join(sorted({style_source(css) for css in styles})) or "'none'"
    return (
        f"default-src 'none'; style-src {sources}; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )


class SecurityHeaders:
    """A Content-Security-Policy on every response, strict on HTML pages; no MIME sniffing;
    no Referer, since residents' pages carry their tokens in the URL."""

    def __init__(self, app: ASGIApp, page_policy: str, docs_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.page_policy = page_policy
        self.docs_paths = frozenset(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", self._policy(scope, headers))
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("referrer-policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _policy(self, scope: Scope, headers: MutableHeaders) -> str:
        if scope["path"] in self.docs_paths:
            return DOCS_POLICY
        if headers.get("content-type", "").startswith("text/html"):
            return self.page_policy
        return API_POLICY
