"""Prometheus metrics shared by the APIs and the workers."""

from prometheus_client import Counter, Histogram

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
CONSUMED = Counter(
    "trygg_events_consumed_total", "Events consumed, by outcome", ["service", "outcome"]
)
CONSUMER_OUTAGE_RETRIES = Counter(
    "trygg_consumer_outage_retries_total",
    "Times a consumer retried the same records because the database or broker was down",
    ["service"],
)
RELAY_DATABASE_OUTAGES = Counter(
    "trygg_outbox_relay_database_outages_total", "Times the relay lost its database", ["service"]
)
