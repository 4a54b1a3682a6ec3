"""notify's edges that face the world, and what each of them refuses."""

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

from notify import links, worker
from notify.app import create_app
from notify.config import PublicSettings, Settings
from shared.settings import AuthSettings, DatabaseSettings, DevelopmentDefaultsRefused
from shared.testing import ChunkedBody, api_client, client_address, use_session

pytestmark = pytest.mark.service

PROXY = "10.9.8.7"
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

    @pytest.mark.parametrize(
        ("override", "variable"),
        [
            (
                {"allow_private_networks": ["127.0.0.0/8"]},
                "NOTIFY_WEBHOOKS__ALLOW_PRIVATE_NETWORKS",
            ),
            ({"schemes": ["https", "http"]}, "NOTIFY_WEBHOOKS__SCHEMES"),
        ],
    )
    async def test_production_refuses_the_local_webhook_overrides(
        self, override: dict[str, object], variable: str
    ) -> None:
        values = {**REAL, "environment": "production", "webhooks": override}
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
    """Two requests a minute per client on every limited route; one trusted proxy."""
    public = settings.public.model_copy(
        update={"rate_per_minute": 2, "feed_rate_per_minute": 2, "report_rate_per_minute": 2}
    )
    app = create_app(settings.model_copy(update={"public": public, "trusted_proxies": [PROXY]}))
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


def _token(settings: Settings, purpose: links.Purpose) -> str:
    return links.make(settings.public.link_secret.get_secret_value(), purpose, uuid.uuid4())


async def _three_calls(
    app: FastAPI, method: str, url: str, content: str | None = None
) -> list[httpx.Response]:
    headers = {"content-type": "application/x-www-form-urlencoded"} if content else {}
    async with api_client(app, address=client_address()) as client:
        return [await client.request(method, url, content=content, headers=headers) for _ in "123"]


class TestRateLimits:
    @pytest.mark.parametrize(
        ("method", "path", "purpose", "first"),
        [
            ("GET", "/cap/0683/alerts.atom", None, 200),
            ("GET", f"/cap/alerts/{uuid.uuid4()}", None, 404),
            ("GET", "/contacts/opt-out/{token}", links.Purpose.CONTACT_OPT_OUT, 200),
            ("POST", "/sms/delivery-reports/{token}", links.Purpose.DELIVERY_REPORT, 204),
            ("GET", "/subscribe/0683", None, 200),
            # A form that is no subscription comes back with its errors, until the limit.
            ("POST", "/subscribe/0683", None, 422),
        ],
    )
    async def test_the_third_request_in_a_minute_is_refused(
        self,
        limited: FastAPI,
        settings: Settings,
        method: str,
        path: str,
        purpose: links.Purpose | None,
        first: int,
    ) -> None:
        url = path.format(token=_token(settings, purpose)) if purpose else path
        report = "id=s1&status=sent" if method == "POST" else None
        responses = await _three_calls(limited, method, url, report)
        assert [r.status_code for r in responses] == [first, first, 429]
        assert responses[2].headers["content-type"] == "application/problem+json"
        assert responses[2].headers["Retry-After"] == "30"


class TestForwardedFor:
    async def test_a_client_cannot_pass_for_another_address(
        self, limited: FastAPI, settings: Settings
    ) -> None:
        url = f"/contacts/opt-out/{_token(settings, links.Purpose.CONTACT_OPT_OUT)}"
        async with api_client(limited, address=client_address()) as client:
            responses = [
                await client.get(url, headers={"X-Forwarded-For": client_address()})
                for _ in range(3)
            ]
        assert [r.status_code for r in responses] == [200, 200, 429]

    async def test_a_configured_proxy_speaks_for_its_clients(
        self, limited: FastAPI, settings: Settings
    ) -> None:
        url = f"/contacts/opt-out/{_token(settings, links.Purpose.CONTACT_OPT_OUT)}"
        one = client_address()
        async with api_client(limited, address=PROXY) as client:
            many = [
                await client.get(url, headers={"X-Forwarded-For": client_address()})
                for _ in range(3)
            ]
            same = [await client.get(url, headers={"X-Forwarded-For": one}) for _ in range(3)]
        assert [r.status_code for r in many] == [200, 200, 200]
        assert [r.status_code for r in same] == [200, 200, 429]


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
