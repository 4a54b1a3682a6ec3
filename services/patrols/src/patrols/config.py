"""Settings of the patrols service, read from PATROLS_* environment variables."""

from pydantic_settings import SettingsConfigDict

from shared.settings import DatabaseSettings, ServiceSettings, dev_database_url


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="PATROLS_", env_nested_delimiter="__", extra="ignore"
    )

    db: DatabaseSettings = DatabaseSettings(url=dev_database_url("patrols"))
