"""Settings of the tips service, read from TIPS_* environment variables."""

from pydantic_settings import SettingsConfigDict

from shared.settings import DatabaseSettings, ServiceSettings, dev_database_url


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIPS_", env_nested_delimiter="__", extra="ignore")

    db: DatabaseSettings = DatabaseSettings(url=dev_database_url("tips"))
