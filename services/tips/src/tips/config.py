"""Settings of the tips service, read from TIPS_* environment variables."""

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

# Development defaults only: salts the hashes that stand for clients' IP addresses, and the
# Open311 api_key of local clients.
DEV_RATE_LIMIT_SECRET = "trygg-tips-development-rate-limit-key-not-for-production"
DEV_OPEN311_KEY = "trygg-tips-development-open311-key-not-for-production"


class PublicSettings(BaseModel):
    """The routes anyone may call: the form, the JSON intake and Open311."""

    # Submissions per client (a salted hash of its IP address, the salt rotating daily).
    submissions_per_minute: int = 5
    submissions_per_day: int = 30
    # Submissions from everyone together per minute, so a flood cannot bury the staff.
    global_submissions_per_minute: int = 300
    # Reads (the form, categories, Open311 GETs) per client and minute.
    reads_per_minute: int = 120
    rate_limit_secret: SecretStr = SecretStr(DEV_RATE_LIMIT_SECRET)


class LimitSettings(BaseModel):
    description_chars: int = 4000  # Open311's limit for a request's description
    photos_per_tip: int = 3
    photo_bytes: int = 5_000_000
    # Larger photos are scaled down before they are stored.
    photo_max_side_px: int = 2048


class NotifySettings(BaseModel):
    """Where acknowledgements and closing messages to tipsters are handed over."""

    url: str = "http://127.0.0.1:8004"
    # A bearer token with `notifications:send` for the municipalities served. Unset: the worker
    # mints short-lived ones with the symmetric signing key (AUTH__SECRET), as in development.
    token: SecretStr | None = None
    timeout_s: float = 10.0


class RetentionSettings(BaseModel):
    # Closed tips are anonymised this many months after they were closed.
    anonymise_after_months: int = 12
    interval_s: float = 3600.0


class Open311Settings(BaseModel):
    """The Open311 GeoReport v2 endpoint: its clients' keys and what discovery says."""

    # Client name -> its api_key, required by `POST requests` (and only by it).
    api_keys: dict[str, SecretStr] = {"development": SecretStr(DEV_OPEN311_KEY)}
    contact: str = "Trygg, the municipality's safety work; see its website"
    changeset: str = "2026-12-01T00:00:00Z"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIPS_", env_nested_delimiter="__", extra="ignore")

    db: DatabaseSettings = DatabaseSettings(url=dev_database_url("tips"))
    # Where the worker serves its metrics; `make up` lists it beside the API.
    worker: WorkerSettings = WorkerSettings(metrics_port=8102)
    # Where residents reach the form; Open311 discovery and acknowledgements link under it.
    public_base_url: str = "http://127.0.0.1:8002"
    public: PublicSettings = PublicSettings()
    limits: LimitSettings = LimitSettings()
    notify: NotifySettings = NotifySettings()
    retention: RetentionSettings = RetentionSettings()
    open311: Open311Settings = Open311Settings()

    def development_defaults(self) -> list[str]:
        found = super().development_defaults()
        if holds(self.public.rate_limit_secret, DEV_RATE_LIMIT_SECRET):
            found.append(self.variable("PUBLIC__RATE_LIMIT_SECRET"))
        if any(holds(key, DEV_OPEN311_KEY) for key in self.open311.api_keys.values()):
            found.append(self.variable("OPEN311__API_KEYS"))
        return found


def app_settings(request: Request) -> Settings:
    """The settings the app was built with: read here, and only here, from the app's state."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
