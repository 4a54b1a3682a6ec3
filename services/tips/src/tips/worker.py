"""The tips worker: its outbox relay, the hand-over of messages owed to tipsters to notify, the
anonymisation of closed tips past their retention, and the purge of expired idempotency keys
and rate-limit counts."""

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import httpx

from shared.db import Sessionmaker
from shared.worker import (
    HOUSEKEEPING_INTERVAL_S,
    Job,
    Jobs,
    every,
    purge_expired,
    run_worker,
    start,
)
from tips.config import Settings
from tips.domain import utcnow
from tips.feedback import client as notify
from tips.feedback import service as feedback
from tips.retention import service as retention

# How often due messages are looked for: a tipster hears back within about this long.
FEEDBACK_INTERVAL_S = 15.0
# Retention is counted in months of 30 days: a few days either way do not matter to it.
DAYS_PER_MONTH = 30


def feedback_job(settings: Settings, sessionmaker: Sessionmaker) -> Job:
    """Hands messages to notify every few seconds, over one client the job owns."""

    async def run(stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(timeout=settings.notify.timeout_s) as client:

            async def hand_over(sessionmaker: Sessionmaker) -> int:
                return await feedback.send_pending(sessionmaker, client, settings)

            await every(FEEDBACK_INTERVAL_S, hand_over, sessionmaker)(stop)

    return run


def retention_period(settings: Settings) -> timedelta:
    return timedelta(days=DAYS_PER_MONTH * settings.retention.anonymise_after_months)


async def anonymise(sessionmaker: Sessionmaker, older_than: timedelta) -> int:
    """Every closed tip past its retention, a batch per transaction; returns how many."""
    total = 0
    while True:
        async with sessionmaker() as session, session.begin():
            done = await retention.anonymise_closed(session, older_than, utcnow())
        total += done
        if done < retention.BATCH:
            return total


def jobs(settings: Settings) -> Jobs:
    notify.check_credentials(settings)

    def made(sessionmaker: Sessionmaker) -> Sequence[Job]:
        older_than = retention_period(settings)

        async def anonymise_due(sessionmaker: Sessionmaker) -> int:
            return await anonymise(sessionmaker, older_than)

        return [
            feedback_job(settings, sessionmaker),
            every(settings.retention.interval_s, anonymise_due, sessionmaker),
            every(HOUSEKEEPING_INTERVAL_S, purge_expired, sessionmaker),
        ]

    return made


async def run(settings: Settings) -> None:
    await run_worker(service="tips", settings=settings, jobs=jobs(settings))


def main() -> None:
    start(run(Settings()))


if __name__ == "__main__":
    main()
