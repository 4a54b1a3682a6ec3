"""patrols' public edges: the promise's pages and the week's summary are rate-limited per
client, and the limit's salt is a development value production refuses."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols import worker
from patrols.app import create_app
from patrols.config import PublicSettings, Settings
from shared.settings import AuthSettings, DatabaseSettings, DevelopmentDefaultsRefused
from shared.testing import api_client, client_address, use_session

pytestmark = pytest.mark.service

REAL = {
    "db": DatabaseSettings(url="postgresql+asyncpg://trygg:a-real-password@db.internal/patrols"),
    "auth": AuthSettings(secret=SecretStr("a-real-signing-key-of-enough-length")),
    "public": PublicSettings(rate_limit_secret=SecretStr("a-real-salt-of-enough-length")),
}
PUBLIC_PATHS = [
    "/public/promises/{id}.html",
    "/public/promises/{id}",
    "/public/promises/{id}/report/2026.html",
    "/public/promises/{id}/report/2026.csv",
    "/public/0683/situation/2026/48",
]


class TestDevelopmentSecrets:
    async def test_production_refuses_the_development_salt(self) -> None:
        values: dict[str, object] = {**REAL, "environment": "production"}
        del values["public"]
        settings = Settings.model_validate(values)
        with pytest.raises(DevelopmentDefaultsRefused, match="PATROLS_PUBLIC__RATE_LIMIT_SECRET"):
            create_app(settings)
        with pytest.raises(DevelopmentDefaultsRefused, match="PATROLS_PUBLIC__RATE_LIMIT_SECRET"):
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
    @pytest.mark.parametrize("path", PUBLIC_PATHS)
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
        url = f"/public/promises/{uuid.uuid4()}"
        for _ in range(2):
            async with api_client(limited, address=client_address()) as client:
                assert [(await client.get(url)).status_code for _ in range(2)] == [404, 404]

    async def test_staff_routes_are_not_counted(self, limited: FastAPI) -> None:
        async with api_client(limited, address=client_address()) as client:
            statuses = [(await client.get("/incidents")).status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
