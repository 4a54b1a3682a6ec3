"""The HTTP plumbing every service shares, through a small app of its own."""

from typing import Annotated

import pytest
from fastapi import APIRouter, Body, FastAPI, Request
from fastapi.responses import HTMLResponse

from shared.app import create_service_app
from shared.http import BodySizeLimit, style_source
from shared.serve import server_config
from shared.settings import DatabaseSettings, ServiceSettings
from shared.testing import REPOSITORY, ChunkedBody, api_client

pytestmark = pytest.mark.unit

STYLE = "body{margin:0}"
router = APIRouter()


@router.post("/echo", summary="Count a JSON body")
async def echo(body: Annotated[dict[str, str], Body()]) -> dict[str, int]:
    return {"fields": len(body)}


@router.post("/raw", summary="Count a body read by hand")
async def raw(request: Request) -> dict[str, int]:
    return {"bytes": len(await request.body())}


@router.get("/whoami", summary="The client address the app sees")
async def whoami(request: Request) -> dict[str, str | None]:
    return {"client": request.client.host if request.client else None}


@router.get("/page", response_class=HTMLResponse, summary="A page")
async def page() -> HTMLResponse:
    return HTMLResponse(f"<!DOCTYPE html><html><head><style>{STYLE}</style></head></html>")


def make_app(outer_limit: int | None = None, proxies: tuple[str, ...] = ()) -> FastAPI:
    settings = ServiceSettings(
        db=DatabaseSettings(url="postgresql+asyncpg://u:p@127.0.0.1:1/x"),
        trusted_proxies=list(proxies),
    )
    app = create_service_app(
        service="test",
        settings=settings,
        routers=[router],
        title="t",
        description="d",
        page_styles=[STYLE],
    )
    if outer_limit is not None:
        app.add_middleware(BodySizeLimit, max_bytes=outer_limit)
    return app


class TestStreamedBodyLimit:
    @pytest.mark.parametrize("path", ["/echo", "/raw"])
    async def test_a_chunked_body_is_cut_off_at_the_limit(self, path: str) -> None:
        body = ChunkedBody(8 * 1024 * 1024)
        async with api_client(make_app()) as client:
            response = await client.post(
                path, content=body, headers={"content-type": "application/json"}
            )
        assert response.status_code == 413, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == "Payload too large"
        assert body.read <= 1024 * 1024 + body.chunk_bytes, "the rest is never read"

    async def test_the_tighter_of_two_limits_answers(self) -> None:
        body = ChunkedBody(2 * 1024 * 1024)
        async with api_client(make_app(outer_limit=256 * 1024)) as client:
            response = await client.post("/raw", content=body)
        assert response.status_code == 413
        assert "262144 bytes" in response.json()["detail"]
        assert body.read <= 256 * 1024 + body.chunk_bytes

    async def test_a_path_of_its_own_may_have_a_larger_limit_than_its_prefix(self) -> None:
        app = FastAPI()
        app.include_router(router)
        limits = {"tighter": {"/": 1024}, "exact": {r"/ra[w]": 2 * 1024 * 1024}}
        app.add_middleware(BodySizeLimit, **limits)
        async with api_client(app) as client:
            raw = await client.post("/raw", content=ChunkedBody(1024 * 1024))
            echo = await client.post("/echo", content=ChunkedBody(2048))
        assert raw.json() == {"bytes": 1024 * 1024}
        assert echo.status_code == 413
        limit = BodySizeLimit(app, **limits).limit  # type: ignore[arg-type]
        assert (limit("/raw"), limit("/raw/more"), limit("/echo")) == (2 * 1024 * 1024, 1024, 1024)

    async def test_a_body_within_the_limit_passes(self) -> None:
        async with api_client(make_app()) as client:
            response = await client.post("/raw", content=ChunkedBody(512 * 1024))
        assert response.json() == {"bytes": 512 * 1024}


class TestSecurityHeaders:
    async def test_a_page_may_use_its_own_style_and_nothing_else(self) -> None:
        async with api_client(make_app()) as client:
            response = await client.get("/page")
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert f"style-src {style_source(STYLE)};" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"

    async def test_the_api_documentation_keeps_its_inline_script(self) -> None:
        async with api_client(make_app()) as client:
            response = await client.get("/docs")
        assert "/docs/assets/swagger-ui-bundle.js" in response.text
        assert response.headers["content-security-policy"] == "frame-ancestors 'none'"
        assert response.headers["x-content-type-options"] == "nosniff"

    async def test_json_is_never_a_document(self) -> None:
        async with api_client(make_app()) as client:
            response = await client.get("/livez")
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; frame-ancestors 'none'"
        )


class TestForwardedHeaders:
    async def test_no_address_is_trusted_unless_configured(self) -> None:
        async with api_client(make_app(), address="127.0.0.1") as client:
            response = await client.get("/whoami", headers={"X-Forwarded-For": "192.0.2.1"})
        assert response.json() == {"client": "127.0.0.1"}

    async def test_a_configured_proxy_network_is_trusted(self) -> None:
        async with api_client(make_app(proxies=("10.0.0.0/8",)), address="10.1.2.3") as client:
            response = await client.get("/whoami", headers={"X-Forwarded-For": "192.0.2.1"})
        assert response.json() == {"client": "192.0.2.1"}

    @pytest.mark.parametrize("path", ["deploy/stack.sh", "deploy/Dockerfile"])
    def test_the_apis_are_started_only_through_shared_serve(self, path: str) -> None:
        text = (REPOSITORY / path).read_text()
        assert "-m shared.serve" in text
        assert "uvicorn --factory" not in text
        assert '/uvicorn"' not in text

    def test_uvicorn_is_never_left_to_trust_forwarded_headers_itself(self) -> None:
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told not to; the app decides.
        config = server_config("walks", "127.0.0.1", 8001)
        assert config.proxy_headers is False
        assert (config.access_log, config.log_config) == (False, None)
