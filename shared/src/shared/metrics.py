"""Prometheus metrics shared by the APIs and the workers. The APIs serve them at /metrics, each
worker on a port of its own (`<SERVICE>_WORKER__METRICS_PORT`, see shared.worker_metrics)."""

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

# Set (by shared.serve) when several processes serve one API: each then writes its samples into
# this directory, which prometheus_client reads at import, and /metrics adds them up.
MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "trygg_http_requests_total", "HTTP requests served", ["service", "method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "trygg_http_request_seconds", "HTTP request duration", ["service", "method", "route"]
)
RELAY_PUBLISHED = Counter("trygg_outbox_published_total", "Outbox events published", ["service"])
RELAY_SEND_FAILURES = Counter(
    "trygg_outbox_send_failures_total", "Outbox batches the broker did not take", ["service"]
)
RELAY_BATCH_SECONDS = Histogram(
    "trygg_outbox_batch_seconds", "Time to publish one outbox batch", ["service"]
)
# Outcomes: handled, ignored (no handler), retried (a handler attempt that failed and is tried
# again), dead_lettered.
CONSUMED = Counter(
    "trygg_events_consumed_total", "Events consumed, by outcome", ["service", "outcome"]
)
CONSUMER_LAG = Gauge(
    "trygg_consumer_lag",
    "Records on a partition not yet taken by the consumer (end offset - position)",
    ["service", "topic", "partition"],
)
CONSUMER_OUTAGE_RETRIES = Counter(
    "trygg_consumer_outage_retries_total",
    "Times a consumer retried the same records because the database or broker was down",
    ["service"],
)
RELAY_DATABASE_OUTAGES = Counter(
    "trygg_outbox_relay_database_outages_total", "Times the relay lost its database", ["service"]
)
# Sampled from the database by the worker (shared.worker_metrics), not counted in the relay:
# rows written by the API processes are visible only there.
OUTBOX_BACKLOG = Gauge("trygg_outbox_backlog", "Outbox events not yet published", ["service"])
OUTBOX_OLDEST_SECONDS = Gauge(
    "trygg_outbox_oldest_unpublished_seconds",
    "Age of the oldest outbox event not yet published (0 when none waits)",
    ["service"],
)


def exposition() -> bytes:
    """The metrics in the Prometheus text format: this process's, or those of every process
    serving the API alike."""
    if MULTIPROCESS_DIRECTORY not in os.environ:
        return generate_latest()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)
