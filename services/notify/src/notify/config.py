"""Settings of the notify service, read from NOTIFY_* environment variables."""

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

# Development default only: the key that signs confirmation and unsubscribe links.
DEV_LINK_SECRET = "trygg-notify-development-link-key-not-for-production"


class SmtpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 2525
    # "starttls" upgrades a plain connection, "tls" connects with TLS (port 465), "none" neither.
    security: str = "none"
    username: str | None = None
    password: SecretStr | None = None
    sender: str = "Trygg <noreply@trygg.example>"
    # The right-hand side of every Message-ID: <notification-id@domain>.
    message_id_domain: str = "trygg.example"
    connections: int = 8
    timeout_s: float = 30.0


class SmsSettings(BaseModel):
    """An SMS gateway speaking the 46elks API."""

    base_url: str = "http://127.0.0.1:8025"
    username: str = "trygg-dev"
    password: SecretStr = SecretStr("trygg-dev-only")
    sender: str = "Trygg"
    timeout_s: float = 15.0
    connections: int = 8
    # When on, the gateway is asked to report delivery to this service (46elks `whendelivered`)
    # and an accepted SMS stays `sending` until it does; when off, accepted means delivered.
    delivery_reports: bool = False


class WebhookSettings(BaseModel):
    schemes: list[str] = ["https"]
    # For local testing only: networks (CIDR) webhooks may reach although they are not public,
    # such as ["127.0.0.0/8"] for a receiver on this machine. Empty in every deployment.
    allow_private_networks: list[str] = []
    timeout_s: float = 10.0
    connections: int = 16


class DispatcherSettings(BaseModel):
    batch_size: int = 500
    # Batches in flight at once; each claims its own rows (SKIP LOCKED).
    lanes: int = 2
    max_attempts: int = 8
    backoff_initial_s: float = 30.0
    backoff_max_s: float = 3600.0
    # A claimed notification whose send never finished (a crash) is taken again after this.
    lease_s: float = 300.0
    poll_interval_s: float = 1.0
    # The worker runs the dispatcher in a child process of its own, so composing and sending
    # never stall its consumer (notify/messaging/dispatch_process.py); off, in its event loop.
    own_process: bool = True
    emit_events: bool = True
    # Subscriptions never confirmed, and unsubscribed ones, are erased after these many days.
    pending_retention_days: float = 7.0
    unsubscribed_retention_days: float = 30.0
    maintenance_interval_s: float = 300.0


class PublicSettings(BaseModel):
    """The routes residents use without a token."""

    base_url: str = "http://127.0.0.1:8004"
    link_secret: SecretStr = SecretStr(DEV_LINK_SECRET)
    # Per client (a salted hash of its IP address) and route, per minute.
    rate_per_minute: int = 10
    # The CAP feed and alerts, and the SMS gateway's delivery reports (one gateway address).
    feed_rate_per_minute: int = 120
    report_rate_per_minute: int = 6000
    max_body_bytes: int = 256 * 1024
    confirm_within_days: float = 7.0
    # Confirmation messages one address may get in a day, however many clients ask: the
    # subscribe form must not become a way to flood someone's inbox or phone.
    confirmations_per_address_per_day: int = 3


class CapSettings(BaseModel):
    sender: str = "trygg@trygg.example"
    sender_name: str = "Trygg"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="NOTIFY_", env_nested_delimiter="__", extra="ignore"
    )

    db: DatabaseSettings = DatabaseSettings(url=dev_database_url("notify"))
    # Where the worker serves its metrics; `make up` lists it beside the API.
    worker: WorkerSettings = WorkerSettings(metrics_port=8104)
    smtp: SmtpSettings = SmtpSettings()
    sms: SmsSettings = SmsSettings()
    webhooks: WebhookSettings = WebhookSettings()
    dispatcher: DispatcherSettings = DispatcherSettings()
    public: PublicSettings = PublicSettings()
    cap: CapSettings = CapSettings()
    # Residents this many metres around a walk's area are invited to it.
    walk_invitation_buffer_m: int = 0

    def development_defaults(self) -> list[str]:
        found = super().development_defaults()
        if holds(self.public.link_secret, DEV_LINK_SECRET):
            found.append(self.variable("PUBLIC__LINK_SECRET"))
        # Loopback receivers and plain http are for trying webhooks on one machine; anywhere
        # else they would let a token holder aim the dispatcher at the internal network.
        if self.webhooks.allow_private_networks:
            found.append(self.variable("WEBHOOKS__ALLOW_PRIVATE_NETWORKS"))
        if set(self.webhooks.schemes) - {"https"}:
            found.append(self.variable("WEBHOOKS__SCHEMES") + " (anything but https)")
        return found


def app_settings(request: Request) -> Settings:
    """The settings the app was created with; the one place a request reads them from."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
