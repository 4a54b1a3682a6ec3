"""walks' edges that face the world, and what each of them refuses."""

import hashlib
import re
import uuid
from base64 import b64encode
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.settings import AuthSettings, DatabaseSettings, DevelopmentDefaultsRefused
from shared.testing import ChunkedBody, api_client, client_address, use_session
from walks import worker
from walks.app import create_app
from walks.config import PublicSettings, Settings
from walks_testkit import Api, token

pytestmark = pytest.mark.service

REAL = {
    "db": DatabaseSettings(url="postgresql+asyncpg://trygg:a-real-password@db.internal/walks"),
    "auth": AuthSettings(secret=SecretStr("a-real-signing-key-of-enough-length")),
    "public": PublicSettings(rate_limit_secret=SecretStr("a-real-salt-of-enough-length")),
}


class TestDevelopmentSecrets:
    @pytest.mark.parametrize(
        ("default", "variable"),
        [
            ("auth", "WALKS_AUTH__SECRET"),
            ("db", "WALKS_DB__URL"),
            ("public", "WALKS_PUBLIC__RATE_LIMIT_SECRET"),
        ],
    )
    async def test_production_refuses_each_development_default(
        self, default: str, variable: str
    ) -> None:
        values: dict[str, object] = {**REAL, "environment": "production"}
        del values[default]
        settings = Settings.model_validate(values)
        with pytest.raises(DevelopmentDefaultsRefused, match=variable):
            create_app(settings)
        with pytest.raises(DevelopmentDefaultsRefused, match=variable):
            await worker.run(settings)

    async def test_production_with_real_values_starts(self) -> None:
        app = create_app(Settings.model_validate({**REAL, "environment": "production"}))
        async with api_client(app) as client:
            assert (await client.get("/livez")).status_code == 200
        await app.state.engine.dispose()


@pytest.fixture(scope="module")
async def limited_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """Two requests a minute per client and route."""
    public = settings.public.model_copy(update={"rate_per_minute": 2})
    app = create_app(settings.model_copy(update={"public": public}))
    # Held in the middle of a minute: the count cannot start over between two requests.
    now = datetime.now(UTC).replace(second=30, microsecond=0)
    app.state.clock = lambda: now
    yield app
    await app.state.engine.dispose()


@pytest.fixture
async def limited(limited_app: FastAPI, session: AsyncSession) -> AsyncIterator[FastAPI]:
    use_session(limited_app, session)
    yield limited_app
    limited_app.dependency_overrides.clear()


class TestRateLimits:
    @pytest.mark.parametrize(
        "path",
        [
            "/public/walks/{id}.html",
            "/public/walks/{id}",
            "/public/walks/{id}/protocol.html",
            "/public/walks/{id}/protocol",
            "/public/action-plans/{id}.html",
            "/public/action-plans/{id}",
        ],
    )
    async def test_the_third_request_in_a_minute_is_refused(
        self, limited: FastAPI, path: str
    ) -> None:
        url = path.format(id=uuid.uuid4())
        async with api_client(limited, address=client_address()) as client:
            responses = [await client.get(url) for _ in range(3)]
        assert [r.status_code for r in responses] == [404, 404, 429]
        assert responses[2].headers["content-type"] == "application/problem+json"
        assert responses[2].headers["Retry-After"] == "30"

    async def test_each_client_has_its_own_count(self, limited: FastAPI) -> None:
        url = f"/public/walks/{uuid.uuid4()}"
        for _ in range(2):
            async with api_client(limited, address=client_address()) as client:
                assert [(await client.get(url)).status_code for _ in range(2)] == [404, 404]


class TestBodyLimit:
    async def test_a_chunked_body_is_cut_off_at_the_limit(self, client: httpx.AsyncClient) -> None:
        body = ChunkedBody(8 * 1024 * 1024)
        response = await client.post(
            "/walks", content=body, headers={**token(), "content-type": "application/json"}
        )
        assert response.status_code == 413, response.text[:300]
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == "Payload too large"
        assert body.read <= 1024 * 1024 + body.chunk_bytes


class TestPageHeaders:
    async def test_public_pages_get_a_strict_policy_that_fits_their_style(self, api: Api) -> None:
        walk = await api.published_walk()
        for path in (
            f"/public/walks/{walk['id']}.html",
            f"/public/walks/{walk['id']}/protocol.html",
        ):
            page = await api.client.get(path)
            assert page.status_code == 200
            policy = page.headers["content-security-policy"]
            style = re.search(r"<style>(.*?)</style>", page.text, re.S)
            assert style is not None
            digest = b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
            assert f"style-src 'sha256-{digest}';" in policy
            assert "default-src 'none'" in policy
            assert "frame-ancestors 'none'" in policy
            assert "unsafe-inline" not in policy
            assert page.headers["x-content-type-options"] == "nosniff"
            assert page.headers["referrer-policy"] == "no-referrer"
