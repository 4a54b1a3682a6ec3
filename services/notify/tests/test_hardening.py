"""notify's edges that face the world, and what each of them refuses."""

import hashlib
import re
import uuid
from base64 import b64encode

import httpx
import pytest
from pydantic import SecretStr

from notify import links, worker
from notify.app import create_app
from notify.config import PublicSettings, Settings
from shared.settings import AuthSettings, DatabaseSettings, DevelopmentDefaultsRefused
from shared.testing import ChunkedBody, api_client

pytestmark = pytest.mark.service

REAL = {
    "db": DatabaseSettings(url="postgresql+asyncpg://trygg:a-real-password@db.internal/notify"),
    "auth": AuthSettings(secret=SecretStr("a-real-signing-key-of-enough-length")),
    "public": PublicSettings(link_secret=SecretStr("a-real-link-key-of-enough-length")),
}


class TestDevelopmentSecrets:
    @pytest.mark.parametrize(
        ("default", "variable"),
        [
            ("auth", "NOTIFY_AUTH__SECRET"),
            ("db", "NOTIFY_DB__URL"),
            ("public", "NOTIFY_PUBLIC__LINK_SECRET"),
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


def _token(settings: Settings, purpose: links.Purpose) -> str:
    return links.make(settings.public.link_secret.get_secret_value(), purpose, uuid.uuid4())


class TestBodyLimit:
    async def test_a_chunked_body_to_the_public_route_is_cut_off(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        body = ChunkedBody(8 * 1024 * 1024)
        response = await client.post(
            "/subscriptions", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 413, response.text[:300]
        assert response.headers["content-type"] == "application/problem+json"
        assert str(settings.public.max_body_bytes) in response.json()["detail"]
        assert body.read <= settings.public.max_body_bytes + body.chunk_bytes


class TestPageHeaders:
    @pytest.mark.parametrize("token_purpose", [links.Purpose.CONTACT_OPT_OUT, None])
    async def test_a_residents_page_gets_a_strict_policy_that_fits_its_style(
        self, client: httpx.AsyncClient, settings: Settings, token_purpose: links.Purpose | None
    ) -> None:
        token = _token(settings, token_purpose) if token_purpose else "not-a-token"
        page = await client.get(f"/contacts/opt-out/{token}")
        assert page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        style = re.search(r"<style>(.*?)</style>", page.text, re.S)
        assert style is not None
        digest = b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
        assert f"style-src 'sha256-{digest}';" in policy
        for directive in ("default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"):
            assert directive in policy
        assert "unsafe-inline" not in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
