"""Settings of the walks service, read from WALKS_* environment variables."""

from pydantic_settings import SettingsConfigDict

from shared.settings import DatabaseSettings, ServiceSettings, dev_database_url


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="WALKS_", env_nested_delimiter="__", extra="ignore"
    )

    db: DatabaseSettings = DatabaseSettings(url=dev_database_url("walks"))
    # Where residents reach the public pages; events carry links under it.
    public_base_url: str = "http://127.0.0.1:8001"
