"""Settings of the patrols service, read from PATROLS_* environment variables."""

from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import (
    DatabaseSettings,
    ServiceSettings,
    WorkerSettings,
    dev_database_url,
    holds,
)

# Development default only: salts the hashes that stand for clients' IP addresses.
DEV_RATE_LIMIT_SECRET = "trygg-patrols-development-rate-limit-key-not-for-production"


class HotSpotSettings(BaseModel):
    """How hot spots are found: the grid, and Gi*'s permutation inference."""

    cell_size_m: int = Field(200, ge=100, le=250)
    permutations: int = Field(999, ge=99, le=9999)
    # Neighbours of a cell are those whose centres lie within this many cells (queen's case: 1).
    neighbour_rings: int = Field(1, ge=1, le=3)


class RoundSettings(BaseModel):
    """How rounds are planned, after the Koper curve and the Sacramento experiment: stay 10-15
    minutes, come back to a spot within two hours but not at once, 1-6 spots a shift."""

    dwell_min_minutes: int = 10
    dwell_max_minutes: int = 15
    revisit_min_minutes: int = 30
    revisit_max_minutes: int = 120
    max_spots: int = 6
    # Travel between spots: distance over this speed, and never less than `travel_min_minutes`.
    speed_kmh: float = 20.0
    travel_min_minutes: int = 2


class SituationSettings(BaseModel):
    """The weekly picture: counts below `threshold` are never shown outside the EST group."""

    threshold: int = Field(5, ge=2, le=50)


class PublicSettings(BaseModel):
    """The /public/... routes residents read without a token: the promise and the week."""

    # Per client (a salted hash of its IP address) and route, per minute.
    rate_per_minute: int = 120
    rate_limit_secret: SecretStr = SecretStr(DEV_RATE_LIMIT_SECRET)


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="PATROLS_", env_nested_delimiter="__", extra="ignore"
    )

    db: DatabaseSettings = DatabaseSettings(url=dev_database_url("patrols"))
    # Where the worker serves its metrics; `make up` lists it beside the API.
    worker: WorkerSettings = WorkerSettings(metrics_port=8103)
    hot_spots: HotSpotSettings = HotSpotSettings()
    rounds: RoundSettings = RoundSettings()
    public_base_url: str = "http://127.0.0.1:8003"
    situation: SituationSettings = SituationSettings()
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


SettingsDep = Annotated[Settings, Depends(app_settings)]
