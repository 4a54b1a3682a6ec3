"""What an API and a worker write to their log: JSON lines only, one access record per request,
one record per unhandled error, each with the request's id."""

import asyncio
import json
import logging
import sys
import warnings
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import StreamingResponse
from starlette.types import Message

from shared.app import create_service_app
from shared.logs import configure_logging
from shared.settings import DatabaseSettings, ServiceSettings
from shared.testing import api_client

pytestmark = pytest.mark.unit

# The test's HTTP client logs its own requests; those lines are not the app's.
CLIENT_LOGGERS = {"httpx", "httpcore"}
Records = Callable[[], list[dict[str, object]]]
router = APIRouter()


@router.get("/things/{thing_id}", summary="A thing")
async def thing(thing_id: int) -> dict[str, int]:
    return {"id": thing_id}


@router.get("/boom", summary="Fail unexpectedly")
async def boom() -> None:
    raise RuntimeError("secret internals")


@router.get("/stream", summary="Fail halfway through a response")
async def stream() -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"first"
        raise RuntimeError("broke mid-stream")

    return StreamingResponse(chunks(), media_type="text/plain")


@router.get("/links/{token}", summary="A resident's link")
async def link(token: str) -> dict[str, int]:
    return {"length": len(token)}


def make_app() -> FastAPI:
    settings = ServiceSettings(db=DatabaseSettings(url="postgresql+asyncpg://u:p@127.0.0.1:1/x"))
    return create_service_app(
        service="test", settings=settings, routers=[router], title="t", description="d"
    )


@pytest.fixture
def records(capsys: pytest.CaptureFixture[str]) -> Iterator[Records]:
    """The app's JSON records written to stdout so far; a line that is not JSON fails the test.
    The logging set-up the test changes is put back after it."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, sys.excepthook)

    def read() -> list[dict[str, object]]:
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        return [line for line in lines if line["logger"] not in CLIENT_LOGGERS]

    yield read
    root.handlers[:], level, sys.excepthook = saved
    root.setLevel(level)
    logging.captureWarnings(False)


def _by(lines: list[dict[str, object]], logger: str) -> list[dict[str, object]]:
    return [line for line in lines if line["logger"] == logger]


async def test_each_request_is_one_access_record_with_its_route_and_request_id(
    records: Records,
) -> None:
    async with api_client(make_app()) as client:
        response = await client.get("/things/42?colour=red", headers={"X-Request-ID": "req-1"})
    assert response.status_code == 200
    lines = records()
    assert len(lines) == 1
    access = lines[0]
    assert access["logger"] == "shared.access"
    assert access["service"] == "test"
    assert access["request_id"] == "req-1"
    assert access["method"] == "GET"
    assert access["route"] == "/things/{thing_id}"
    assert access["path"] == "/things/42"
    assert access["status"] == 200
    assert isinstance(access["duration_ms"], float)
    assert access["duration_ms"] >= 0


async def test_requests_without_an_id_get_one_that_the_record_and_the_response_share(
    records: Records,
) -> None:
    async with api_client(make_app()) as client:
        found = await client.get("/things/1")
        missing = await client.get("/nowhere")
    lines = records()
    assert [(r["status"], r["route"]) for r in lines] == [
        (200, "/things/{thing_id}"),
        (404, "unmatched"),
    ]
    assert [r["request_id"] for r in lines] == [
        found.headers["x-request-id"],
        missing.headers["x-request-id"],
    ]


async def test_an_unhandled_error_is_one_record_with_its_traceback_and_request_id(
    records: Records,
) -> None:
    # The client raises what escapes the app: the error must stop at the app, answered.
    async with api_client(make_app(), raise_app_exceptions=True) as client:
        response = await client.get("/boom", headers={"X-Request-ID": "req-boom"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-boom"
    assert "secret" not in response.text
    lines = records()
    errors = [line for line in lines if line["level"] == "error"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == "req-boom"
    traceback = str(errors[0]["exception"])
    assert traceback.startswith("Traceback")
    assert "RuntimeError: secret internals" in traceback
    [access] = _by(lines, "shared.access")
    assert (access["status"], access["request_id"]) == (500, "req-boom")
    assert len(lines) == 2


async def test_an_error_after_the_response_began_is_one_record_too(records: Records) -> None:
    # Called as the server calls it: a test client cannot show a response cut short.
    sent: list[Message] = []
    requested = asyncio.Event()

    async def receive() -> Message:
        if requested.is_set():
            await asyncio.Event().wait()  # the client stays connected
        requested.set()
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/stream",
        "raw_path": b"/stream",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"x-request-id", b"req-stream")],
        "client": ("127.0.0.1", 123),
        "server": ("testserver", 80),
    }
    await make_app()(scope, receive, send)
    assert [m.get("body") for m in sent if m["type"] == "http.response.body"] == [b"first"]
    error, access = records()
    assert (error["level"], error["request_id"]) == ("error", "req-stream")
    assert "RuntimeError: broke mid-stream" in str(error["exception"])
    assert (access["logger"], access["status"]) == ("shared.access", 200)


async def test_tokens_in_the_path_never_reach_the_log(records: Records) -> None:
    async with api_client(make_app()) as client:
        response = await client.get("/links/s3cret-link-token")
    assert response.status_code == 200
    [access] = records()
    assert access["route"] == "/links/{token}"
    assert access["path"] == "/links/[redacted]"
    assert "s3cret" not in json.dumps(access)


def test_uvicorn_warnings_and_uncaught_errors_are_json_lines(records: Records) -> None:
    configure_logging("test")
    started = "Started server process [%d]"
    logging.getLogger("uvicorn.error").info(started, 7, extra={"color_message": started})
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET / HTTP/1.1" 200')
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("an old way", DeprecationWarning, stacklevel=1)
    try:
        raise ValueError("nobody caught this")
    except ValueError as exc:
        sys.excepthook(ValueError, exc, exc.__traceback__)
    server, warned, uncaught = records()
    assert server["logger"] == "uvicorn.error"
    assert server["message"] == "Started server process [7]"
    assert "color_message" not in server
    assert warned["logger"] == "py.warnings"
    assert "DeprecationWarning: an old way" in str(warned["message"])
    assert uncaught["level"] == "critical"
    assert "ValueError: nobody caught this" in str(uncaught["exception"])
