"""notify's own metrics: what became of notifications, and how much the dispatcher has due.

Notifications by channel and status are counted at the transitions the dispatcher records
(after their transaction commits), not sampled from the table: `notification` keeps every row
for delivery statistics, so a count by channel and status would scan a table that only grows,
on every scrape; and what operators alert on is a rate (failures rising), which a counter gives
exactly and a gauge of totals does not. Whatever is waiting now is the queue below, sampled
from the partial index the dispatcher claims by.
"""

from collections.abc import Iterable

from prometheus_client import Counter, Gauge
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from notify.domain import Status
from notify.messaging.ledger import Result

SERVICE = "notify"

NOTIFICATIONS = Counter(
    "trygg_notifications_total",
    "Notification outcomes recorded, by channel and the status they moved to",
    ["service", "channel", "status"],
)
DISPATCHER_DUE = Gauge(
    "trygg_dispatcher_due_notifications", "Notifications due to be claimed and sent", ["service"]
)
DISPATCHER_OLDEST_DUE_SECONDS = Gauge(
    "trygg_dispatcher_oldest_due_seconds",
    "How long the longest-waiting due notification has been due (0 when none is)",
    ["service"],
)

# The rows the dispatcher's claim would take now (its own condition), on ix_notification_due.
DUE_SAMPLE = text(
    """
    SELECT count(*), coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0)
    FROM notification WHERE next_attempt_at <= now()
    """
)


# Outcomes recorded, by (channel, status): what a dispatcher in its own process reports to the
# worker that serves the metrics.
Tally = dict[tuple[str, str], int]


def count_outcomes(results: Iterable[Result]) -> None:
    """Count recorded outcomes; call once their transaction has committed."""
    count_tally(tally(results))


def tally(results: Iterable[Result]) -> Tally:
    counted: Tally = {}
    for result in results:
        key = (result.claimed.channel, result.outcome.status.value)
        counted[key] = counted.get(key, 0) + 1
    return counted


def count_tally(counted: Tally) -> None:
    for (channel, status), n in counted.items():
        NOTIFICATIONS.labels(SERVICE, channel, status).inc(n)


def count_sms_report(delivered: bool) -> None:
    """An SMS the gateway reported on, settled by the API (delivery reports on)."""
    status = Status.DELIVERED if delivered else Status.PERMANENT_FAILURE
    NOTIFICATIONS.labels(SERVICE, "sms", status.value).inc()


async def sample_queue(conn: AsyncConnection) -> None:
    """A worker probe (shared.worker_metrics): the dispatcher's due queue and its oldest."""
    due, oldest_s = (await conn.execute(DUE_SAMPLE)).one()
    DISPATCHER_DUE.labels(SERVICE).set(due)
    DISPATCHER_OLDEST_DUE_SECONDS.labels(SERVICE).set(float(oldest_s))
