"""Settings of the walks service, read from WALKS_* environment variables."""

from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import (
    DatabaseSettings,
    ServiceSettings,
    WorkerSettings,
    dev_database_url,
    holds,
)

# Development default only: salts the hashes that stand for clients' IP addresses.
DEV_RATE_LIMIT_SECRET = "trygg-walks-development-rate-limit-key-not-for-production"


class PublicContact(BaseModel):
    """Whom a municipality's residents ask about its walks and plans, as the pages show it."""

    name: str  # e.g. "Trygghetssamordnaren, Värnamo kommun"
    email: str | None = None
    phone: str | None = None


class PublicSettings(BaseModel):
    """The /public/... routes residents read without a token."""

    # Per client (a salted hash of its IP address) and route, per minute.
    rate_per_minute: int = 120
    rate_limit_secret: SecretStr = SecretStr(DEV_RATE_LIMIT_SECRET)
    # By municipality code, as JSON: WALKS_PUBLIC__CONTACTS='{"0683": {"name": "…", ...}}'.
    # Walks and plans hold no contact of their own; a municipality without one here is named
    # on its pages, with no contact.
    contacts: dict[str, PublicContact] = {}


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="WALKS_", env_nested_delimiter="__", extra="ignore"
    )

    db: DatabaseSettings = DatabaseSettings(url=dev_database_url("walks"))
    # Where the worker serves its metrics; `make up` lists it beside the API.
    worker: WorkerSettings = WorkerSettings(metrics_port=8101)
    # Where residents reach the public pages; events carry links under it.
    public_base_url: str = "http://127.0.0.1:8001"
    # Where residents reach notify's pages: the public pages link to its subscribe page.
    notify_public_base_url: str = "http://127.0.0.1:8004"
    public: PublicSettings = PublicSettings()

    def development_defaults(self) -> list[str]:
        found = super().development_defaults()
        if holds(self.public.rate_limit_secret, DEV_RATE_LIMIT_SECRET):
            found.append(self.variable("PUBLIC__RATE_LIMIT_SECRET"))
        return found


def app_settings(request: Request) -> Settings:
    """The settings the app was built with: read here, and only here, from the app's state."""
    settings: Settings = request.app.state.settings
    return settings


async def _app_settings(request: Request) -> Settings:
    # The same, as a dependency: FastAPI runs a plain function in its threadpool.
    return app_settings(request)


SettingsDep = Annotated[Settings, Depends(_app_settings)]
