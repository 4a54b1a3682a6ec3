"""Housekeeping the dispatcher does between batches: personal data past its retention goes.

Subscriptions never confirmed, and subscriptions unsubscribed long enough ago, are erased like
an erasure request would (their addresses leave the delivery log too); SMS never reported on
are given up; rate-limit counters, idempotency keys and patrol-round claims past their time
are purged.
"""

import logging

from sqlalchemy import text

from notify import ratelimit
from notify.config import DispatcherSettings
from notify.subscriptions import service as subscriptions
from shared import idempotency
from shared.db import Sessionmaker

log = logging.getLogger(__name__)

STALE = text(
    """
    SELECT id FROM subscription
    WHERE (status = 'pending' AND created_at < now() - make_interval(secs => :pending_s))
       OR (status = 'unsubscribed'
           AND unsubscribed_at < now() - make_interval(secs => :unsubscribed_s))
    LIMIT 500
    """
)
# An SMS the gateway took but never reported on: after three days (GOV.UK Notify's bound for a
# provider's own retries) it counts as not delivered.
UNREPORTED = text(
    """
    UPDATE notification SET status = 'temporary-failure', updated_at = now(),
      last_error = 'no delivery report from the gateway'
    WHERE channel = 'sms' AND status = 'sending' AND next_attempt_at IS NULL
      AND updated_at < now() - interval '72 hours'
    """
)
# Which places residents were told of a patrol round on a day: a month on, no round of that
# day is still on its way.
OLD_ROUND_CLAIMS = text("DELETE FROM round_place_told WHERE day < current_date - 30")
DAY_S = 86400.0


async def tidy(sessionmaker: Sessionmaker, settings: DispatcherSettings) -> int:
    """One round of housekeeping; returns how many stale subscriptions were erased."""
    params = {
        "pending_s": settings.pending_retention_days * DAY_S,
        "unsubscribed_s": settings.unsubscribed_retention_days * DAY_S,
    }
    async with sessionmaker() as session, session.begin():
        conn = await session.connection()
        await conn.execute(UNREPORTED)
        stale = list((await conn.execute(STALE, params)).scalars())
        await subscriptions.forget(session, stale, addresses=[])
        await conn.execute(ratelimit.PURGE)
        await conn.execute(OLD_ROUND_CLAIMS)
        await idempotency.purge(session)
    return len(stale)
