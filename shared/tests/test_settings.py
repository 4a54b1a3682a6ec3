"""The environment setting, and services that refuse development secrets outside development."""

import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.app import create_service_app
from shared.settings import (
    AuthSettings,
    DatabaseSettings,
    DevelopmentDefaultsRefused,
    Environment,
    ServiceSettings,
    dev_database_url,
)
from shared.testing import api_client
from shared.worker import run_worker

pytestmark = pytest.mark.unit

REAL_DB = DatabaseSettings(url="postgresql+asyncpg://trygg:a-real-password@db.internal/probe")
REAL_AUTH = AuthSettings(secret=SecretStr("a-real-signing-key-of-enough-length"))


class ProbeSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="PROBE_", env_nested_delimiter="__", extra="ignore"
    )

    db: DatabaseSettings = DatabaseSettings(url=dev_database_url("probe"))


def production(**overrides: object) -> ProbeSettings:
    values = {"environment": "production", "db": REAL_DB, "auth": REAL_AUTH, **overrides}
    return ProbeSettings.model_validate(values)


def start(settings: ServiceSettings) -> FastAPI:
    return create_service_app(
        service="probe", settings=settings, routers=[], title="t", description="d"
    )


class TestEnvironment:
    def test_a_deployment_that_says_nothing_is_production(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("TRYGG_ENVIRONMENT", raising=False)
        assert ProbeSettings().environment is Environment.PRODUCTION

    def test_one_variable_names_it_for_every_service(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TRYGG_ENVIRONMENT", "development")
        assert ProbeSettings().environment is Environment.DEVELOPMENT


class TestDevelopmentDefaults:
    @pytest.mark.parametrize(
        ("overrides", "variable"),
        [
            ({"auth": AuthSettings()}, "PROBE_AUTH__SECRET"),
            ({"db": DatabaseSettings(url=dev_database_url("probe"))}, "PROBE_DB__URL"),
        ],
    )
    async def test_production_refuses_each_in_one_line(
        self, overrides: dict[str, object], variable: str
    ) -> None:
        settings = production(**overrides)
        with pytest.raises(DevelopmentDefaultsRefused) as refused:
            start(settings)
        message = str(refused.value)
        assert variable in message
        assert "\n" not in message
        assert refused.value.code == message, "the process exits with the line as its message"
        with pytest.raises(DevelopmentDefaultsRefused):
            await run_worker(service="probe", settings=settings)

    async def test_production_with_real_values_starts(self) -> None:
        async with api_client(start(production())) as client:
            assert (await client.get("/livez")).status_code == 200

    def test_a_jwks_url_leaves_the_symmetric_default_unused(self) -> None:
        settings = production(auth=AuthSettings(jwks_url="https://idp.example/jwks.json"))
        assert settings.development_defaults() == []

    def test_development_runs_on_the_defaults(self) -> None:
        settings = ProbeSettings(environment=Environment.DEVELOPMENT)
        assert len(settings.development_defaults()) == 2
        settings.refuse_development_defaults()
