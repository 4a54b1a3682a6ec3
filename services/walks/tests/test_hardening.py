"""walks' edges that face the world, and what each of them refuses."""

import pytest
from pydantic import SecretStr

from shared.settings import AuthSettings, DatabaseSettings, DevelopmentDefaultsRefused
from shared.testing import api_client
from walks import worker
from walks.app import create_app
from walks.config import Settings

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
