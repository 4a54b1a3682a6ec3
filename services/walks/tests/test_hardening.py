"""walks' edges that face the world, and what each of them refuses."""

import hashlib
import re
from base64 import b64encode

import httpx
import pytest
from pydantic import SecretStr

from shared.settings import AuthSettings, DatabaseSettings, DevelopmentDefaultsRefused
from shared.testing import ChunkedBody, api_client
from walks import worker
from walks.app import create_app
from walks.config import Settings
from walks_testkit import Api, token

pytestmark = pytest.mark.service

REAL = {
    "db": DatabaseSettings(url="postgresql+asyncpg://trygg:a-real-password@db.internal/walks"),
    "auth": AuthSettings(secret=SecretStr("a-real-signing-key-of-enough-length")),
}


class TestDevelopmentSecrets:
    @pytest.mark.parametrize(
        ("default", "variable"),
        [
            ("auth", "WALKS_AUTH__SECRET"),
            ("db", "WALKS_DB__URL"),
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
