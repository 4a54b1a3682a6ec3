"""The dispatcher: delivers queued notifications, at least once, each attempt recorded.

A lane claims a batch of due notifications (`FOR UPDATE SKIP LOCKED`, so lanes and worker
replicas never take the same row), marks them `sending` with a lease and commits; sends them
outside any transaction; then records every outcome, attempt and event in one transaction.
A crash between the send and the record leaves the rows `sending` until the lease runs out,
and they go again with the same id: the receiver's key for dropping the duplicate.

Failures that may pass (SMTP 4xx, a receiver that is down, our own outages) are retried with
exponential back-off and jitter until the attempt budget is spent; permanent ones are not.
"""

import asyncio
import contextlib
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text

from notify import ledger, maintenance
from notify.channels.base import Outcome, failed
from notify.channels.email import EmailJob, SmtpChannel
from notify.channels.sms import SmsGateway, SmsJob
from notify.channels.webhook import WebhookChannel, WebhookJob
from notify.config import DispatcherSettings
from notify.domain import Status, utcnow
from notify.ledger import Result
from notify.outgoing import Claimed, Composer, MessageFacts
from shared.db import Sessionmaker

log = logging.getLogger(__name__)

CLAIM = text(
    """
    WITH due AS (
      SELECT id FROM notification WHERE next_attempt_at <= now()
      ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED)
    UPDATE notification n SET status = 'sending', attempts = n.attempts + 1,
      next_attempt_at = now() + make_interval(secs => :lease), updated_at = now()
    FROM due WHERE n.id = due.id
    RETURNING n.id, n.message_id, n.channel, n.address, n.language, n.recipient_kind,
      n.recipient_id, n.attempts, n.attempt_budget,
      (SELECT st.key FROM stakeholder st WHERE st.id = n.stakeholder_id) AS stakeholder_key,
      (SELECT st.name FROM stakeholder st WHERE st.id = n.stakeholder_id) AS stakeholder_name,
      (SELECT w.secret FROM webhook w
       WHERE w.id = n.recipient_id AND n.recipient_kind = 'webhook') AS secret
    """
)
MESSAGES = text(
    "SELECT id, event_id, event_type, kind, municipality_code, payload FROM message "
    "WHERE id = ANY(CAST(:ids AS uuid[]))"
)


@dataclass
class Channels:
    email: SmtpChannel
    sms: SmsGateway
    webhook: WebhookChannel

    async def aclose(self) -> None:
        await self.email.aclose()
        await self.sms.aclose()
        await self.webhook.aclose()


class Dispatcher:
    def __init__(
        self,
        sessionmaker: Sessionmaker,
        settings: DispatcherSettings,
        composer: Composer,
        channels: Channels,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._composer = composer
        self._channels = channels
        self._messages: dict[uuid.UUID, MessageFacts] = {}
        self.delivered_batches = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; several lanes keep sends and bookkeeping overlapping."""
        lanes = [self._lane(stop) for _ in range(self._settings.lanes)]
        await asyncio.gather(*lanes, maintenance.run(self._sessionmaker, self._settings, stop))

    async def _lane(self, stop: asyncio.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            try:
                handled = await self.dispatch_batch()
                backoff = 0.2
            except Exception:
                # The database is gone or we failed: leases bring the claimed rows back.
                log.exception("dispatching failed; trying again")
                handled = 0
                backoff = min(backoff * 2, 30.0)
                await _sleep(stop, backoff)
            if not handled:
                await _sleep(stop, self._settings.poll_interval_s)

    async def dispatch_batch(self) -> int:
        """Claim, send and record one batch; returns how many notifications it held."""
        claimed = await self._claim()
        if not claimed:
            return 0
        await self._load_messages({c.message_id for c in claimed})
        results = await asyncio.gather(*(self._deliver(c) for c in claimed))
        await self._record(list(results))
        return len(claimed)

    async def _claim(self) -> list[Claimed]:
        params = {"limit": self._settings.batch_size, "lease": self._settings.lease_s}
        async with self._sessionmaker() as session, session.begin():
            rows = (await (await session.connection()).execute(CLAIM, params)).mappings().all()
        return [Claimed(**row) for row in rows]

    async def _load_messages(self, ids: set[uuid.UUID]) -> None:
        missing = [i for i in ids if i not in self._messages]
        if not missing:
            return
        if len(self._messages) > 1000:
            self._messages.clear()
        async with self._sessionmaker() as session:
            rows = await (await session.connection()).execute(MESSAGES, {"ids": missing})
            for row in rows.mappings():
                self._messages[row["id"]] = MessageFacts(**row)

    async def _deliver(self, claimed: Claimed) -> Result:
        started = utcnow()
        outcome = await self._send(claimed)
        finished = utcnow()
        return Result(claimed, outcome, started, finished, self._next_attempt(claimed, outcome))

    async def _send(self, claimed: Claimed) -> Outcome:
        if claimed.address is None:
            return failed(Status.PERMANENT_FAILURE, "erased", "the recipient was erased")
        if claimed.channel == "webhook" and claimed.secret is None:
            return failed(Status.PERMANENT_FAILURE, "webhook-deleted", "the webhook was deleted")
        try:
            job = self._composer.job(claimed, self._messages[claimed.message_id])
        except Exception as exc:  # a template that cannot render this message: ours to fix
            log.exception("could not compose notification %s", claimed.id)
            return failed(Status.TECHNICAL_FAILURE, "compose", repr(exc))
        if isinstance(job, EmailJob):
            return await self._channels.email.send(job)
        if isinstance(job, SmsJob):
            return await self._channels.sms.send(job)
        assert isinstance(job, WebhookJob)
        return await self._channels.webhook.send(job)

    def _next_attempt(self, claimed: Claimed, outcome: Outcome) -> datetime | None:
        """When to try again: never for a final outcome or a spent budget, else after a
        back-off that doubles per attempt, capped, with jitter so retries do not stampede."""
        retryable = (Status.TEMPORARY_FAILURE, Status.TECHNICAL_FAILURE)
        if outcome.status not in retryable or claimed.attempts >= claimed.attempt_budget:
            return None
        s = self._settings
        ceiling = min(s.backoff_max_s, s.backoff_initial_s * 2 ** (claimed.attempts - 1))
        return utcnow() + timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))

    async def _record(self, results: list[Result]) -> None:
        async with self._sessionmaker() as session, session.begin():
            await ledger.record(session, results)
            if self._settings.emit_events:
                finals = [r for r in results if r.final]
                await ledger.emit_outcomes(session, finals, self._messages)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
