"""Settings every service shares; each service builds them once at its composition root."""

from enum import StrEnum

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

# Development defaults only: they match the local stack that `make up` starts.
DEV_DATABASE_PASSWORD = "trygg-dev-only"
DEV_JWT_SECRET = "trygg-development-signing-key-not-for-production"
ENVIRONMENT_VARIABLE = "TRYGG_ENVIRONMENT"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class DevelopmentDefaultsRefused(SystemExit):
    """Ends the process with one line on stderr: which secrets still hold development values."""


def dev_database_url(database: str, port: int = 55432) -> str:
    return f"postgresql+asyncpg://trygg:{DEV_DATABASE_PASSWORD}@127.0.0.1:{port}/{database}"


class DatabaseSettings(BaseModel):
    url: str
    pool_size: int = 10
    max_overflow: int = 10
    # Connections older than this are replaced at their next checkout, so none outlives an idle
    # timeout of whatever stands between the service and the database.
    pool_recycle_s: int = 1800


class KafkaSettings(BaseModel):
    bootstrap_servers: str = "127.0.0.1:9092"
    partitions: int = 3
    # aiokafka can hang on a send or a stop while the broker is gone; nothing waits longer.
    send_timeout_s: float = 30.0
    stop_timeout_s: float = 10.0
    # No linger: the relay hands the producer a whole batch before its sender runs, so records
    # batch without waiting, and a lone event (a plan just published) goes at once rather than
    # 5 ms later on its way to the residents.
    linger_ms: int = 0
    max_batch_bytes: int = 512 * 1024


class RelaySettings(BaseModel):
    batch_size: int = 2000
    # Batches per round; between rounds the relay checks whether it should stop or purge.
    round_batches: int = 50
    # Batches sent before the oldest is awaited: the database and the broker work at once.
    in_flight_batches: int = 3
    poll_interval_s: float = 1.0
    retention_hours: float = 168.0
    purge_batch_size: int = 5000
    purge_interval_s: float = 60.0


class ConsumerSettings(BaseModel):
    batch_size: int = 500
    # How many partitions' batches of one fetch are handled at once, each in its own
    # transaction (so as many database connections).
    concurrent_partitions: int = 3
    handler_attempts: int = 3
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 10.0
    # Group membership when several workers share a service's group (docs/architecture.md,
    # "Several workers"). A worker killed without leaving the group holds its partitions until
    # the broker misses its heartbeats this long; heartbeats share the event loop, so a third of
    # it apart leaves room for a busy loop. The broker accepts 6 s to 30 min by default.
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    # How long the broker waits for every member to rejoin a rebalance. A member first finishes
    # and commits the batch in hand (it waits for that at most this long, less two heartbeats),
    # so one batch must fit; a member killed mid-rebalance is dropped after its session timeout.
    rebalance_timeout_ms: int = 30_000
    # A consumer that has not asked for records this long (an outage keeps retrying one batch)
    # leaves the group, and its partitions go to a worker that can make progress.
    max_poll_interval_ms: int = 300_000
    # The longest the broker holds a fetch open while nothing new arrives. aiokafka sends one
    # fetch per broker at a time, leaving out a partition whose records are still in hand; an
    # event arriving on that partition once they are handled waits for the open fetch to end.
    # At Kafka's default (500 ms) that was the tail of publish → notification; a shorter wait
    # costs an empty fetch now and then.
    fetch_max_wait_ms: int = 50

    @property
    def finish_batch_s(self) -> float:
        """How long a revocation waits for the batch in hand: the member must still rejoin
        within the rebalance timeout, and it may learn of the rebalance a heartbeat late."""
        return max(1.0, (self.rebalance_timeout_ms - 2 * self.heartbeat_interval_ms) / 1000)


class WorkerSettings(BaseModel):
    """The worker's Prometheus endpoint. Each service gives it a port of its own; None serves
    nothing, and 0 takes any free port (the worker logs which)."""

    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
    # How often the gauges read from the database (outbox backlog, the dispatcher's queue)
    # are sampled: each sample is one small query on a partial index.
    sample_interval_s: float = 15.0


class AuthSettings(BaseModel):
    issuer: str = "trygg-dev"
    audience: str = "trygg"
    algorithms: list[str] = ["HS256"]
    # Development default: a symmetric key. Deployments set a JWKS URL (and RS256/ES256) instead.
    secret: SecretStr | None = SecretStr(DEV_JWT_SECRET)
    jwks_url: str | None = None


class TracingSettings(BaseModel):
    # The OTLP/HTTP collector's base address (`/v1/traces` is added). Unset, the standard
    # OTEL_EXPORTER_OTLP_ENDPOINT decides; with neither, no span is exported.
    otlp_endpoint: str | None = None


class ServiceSettings(BaseSettings):
    """Base for each service's settings, read from `<SERVICE>_<SECTION>__<FIELD>` variables."""

    model_config = SettingsConfigDict(
        env_nested_delimiter="__", extra="ignore", validate_by_name=True
    )

    # One variable for the whole deployment. Not development unless said so: a deployment that
    # forgets it refuses to start on development secrets rather than run on them.
    environment: Environment = Field(Environment.PRODUCTION, validation_alias=ENVIRONMENT_VARIABLE)
    db: DatabaseSettings
    kafka: KafkaSettings = KafkaSettings()
    relay: RelaySettings = RelaySettings()
    consumer: ConsumerSettings = ConsumerSettings()
    worker: WorkerSettings = WorkerSettings()
    auth: AuthSettings = AuthSettings()
    tracing: TracingSettings = TracingSettings()
    problem_type_base: str = "https://trygg.se/problems/"
    log_level: str = "INFO"
    # Addresses (or CIDR networks) of the reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed. Empty: every client is the address that connected.
    trusted_proxies: list[str] = []

    def variable(self, name: str) -> str:
        """The environment variable of a setting, e.g. `AUTH__SECRET` -> `WALKS_AUTH__SECRET`."""
        return f"{self.model_config.get('env_prefix') or ''}{name}"

    def development_defaults(self) -> list[str]:
        """The variables still holding a value meant for development only: a default secret, or
        an override a service allows on one machine (its own override says which)."""
        found = []
        if self.auth.jwks_url is None and holds(self.auth.secret, DEV_JWT_SECRET):
            found.append(self.variable("AUTH__SECRET"))
        if make_url(self.db.url).password == DEV_DATABASE_PASSWORD:
            found.append(self.variable("DB__URL") + " (its password)")
        return found

    def refuse_development_defaults(self) -> None:
        """Stop here, outside development, while any secret is still a development default."""
        if self.environment is Environment.DEVELOPMENT:
            return
        found = self.development_defaults()
        if found:
            raise DevelopmentDefaultsRefused(
                f"Refusing to start: {ENVIRONMENT_VARIABLE} is {self.environment.value}, but "
                f"{', '.join(found)} still hold development values; set them, or set "
                f"{ENVIRONMENT_VARIABLE}=development on a development machine."
            )


def holds(secret: SecretStr | None, value: str) -> bool:
    return secret is not None and secret.get_secret_value() == value


def events_topic(service: str) -> str:
    return f"trygg.{service}.events"


def dead_letter_topic(service: str) -> str:
    return f"trygg.{service}.dlq"


SERVICE_NAMES = ("walks", "tips", "patrols", "notify")
