"""The dispatcher: delivers queued notifications, at least once, each attempt recorded.

A lane claims a batch of due notifications (`FOR UPDATE SKIP LOCKED`, so lanes and worker
replicas never take the same row), marks them `sending` with a lease and commits; sends them
outside any transaction; then records every outcome, attempt and event in one transaction.
A crash between the send and the record leaves the rows `sending` until the lease runs out.
Then an email or a webhook goes again with the same id (the Message-ID, the `webhook-id`):
the receiver's key for dropping the duplicate. An SMS has no such key, so an SMS whose lease
ran out, or whose send was cut off after its request went, is unsure: before it is sent again
the gateway's history is asked whether it took it. Found, it counts as the gateway's answer;
not found, it is sent; while the history cannot be read it waits, and once its attempts are
spent it is given up as a technical failure that staff can resend.

Nothing a lane needs is shared with another lane: each batch reads its own messages, so no
lane can evict what another is still using. Outcomes are recorded however long the database
takes to come back, and a failure to write the outcome events never loses the outcomes.

Failures that may pass (SMTP 4xx, a receiver that is down, our own outages) are retried with
exponential back-off and jitter until the attempt budget is spent; permanent ones are not.
"""

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from notify.config import DispatcherSettings
from notify.domain import Status, utcnow
from notify.messaging import ledger
from notify.messaging.channels.base import Outcome, failed, unsure
from notify.messaging.channels.email import LEASE_RAN_SHORT, EmailJob, SmtpChannel
from notify.messaging.channels.sms import GatewayUnavailable, SmsGateway, SmsJob, found
from notify.messaging.channels.webhook import WebhookChannel, WebhookJob
from notify.messaging.ledger import Result
from notify.messaging.metrics import count_outcomes
from notify.messaging.outgoing import Claimed, Composer, MessageFacts
from shared.db import Sessionmaker
from shared.failures import is_transient
from shared.tracing import delivering

log = logging.getLogger(__name__)
# The share of a claim's lease in which its sends may begin; the rest is for the sends under
# way (each channel's timeout bounds them) and for recording their outcomes.
SEND_SHARE_OF_LEASE = 0.8
# The gateway stamps its history with its own clock: look back a little before the row began.
GATEWAY_CLOCK_SKEW = timedelta(minutes=1)
UNSURE_GIVEN_UP = "the send may have happened; not sent again, to avoid a duplicate SMS"

CLAIM = text(
    """
    WITH due AS (
      SELECT id, status = 'sending' AND channel = 'sms' AS unsure FROM notification
      WHERE next_attempt_at <= now()
      ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED)
    UPDATE notification n SET status = 'sending', attempts = n.attempts + 1,
      next_attempt_at = now() + make_interval(secs => :lease), updated_at = now()
    FROM due WHERE n.id = due.id
    RETURNING n.id, n.message_id, n.channel, n.address, n.language, n.recipient_kind,
      n.recipient_id, n.attempts, n.attempt_budget, n.traceparent, due.unsure, n.created_at,
      (SELECT st.key FROM stakeholder st WHERE st.id = n.stakeholder_id) AS stakeholder_key,
      (SELECT st.name FROM stakeholder st WHERE st.id = n.stakeholder_id) AS stakeholder_name,
      (SELECT w.secret FROM webhook w
       WHERE w.id = n.recipient_id AND n.recipient_kind = 'webhook') AS secret
    """
)
MESSAGES = text(
    "SELECT id, event_id, event_type, kind, municipality_code, payload, told_data FROM message "
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
        count: Callable[[list[Result]], None] = count_outcomes,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._composer = composer
        self._channels = channels
        # Where recorded outcomes are counted: here, or reported to the worker (a child process).
        self._count = count
        self.delivered_batches = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; several lanes keep sends and bookkeeping overlapping."""
        lanes = [self._lane(stop) for _ in range(self._settings.lanes)]
        await asyncio.gather(*lanes)

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
        claimed_at = asyncio.get_running_loop().time()
        claimed, messages = await self._claim()
        if not claimed:
            return 0
        # Sends must end well inside the lease, or another lane takes the rows and sends too.
        sends_by = claimed_at + self._settings.lease_s * SEND_SHARE_OF_LEASE
        results = await asyncio.gather(*(self._deliver(c, messages, sends_by) for c in claimed))
        await self._record(list(results), messages, claimed_at + self._settings.lease_s)
        return len(claimed)

    async def _claim(self) -> tuple[list[Claimed], dict[uuid.UUID, MessageFacts]]:
        """A batch and its own copy of its messages, in one transaction: a database lost before
        it commits claims nothing, so no SMS is left `sending` that was never sent (it would
        be looked up as one whose send may have happened)."""
        params = {"limit": self._settings.batch_size, "lease": self._settings.lease_s}
        async with self._sessionmaker() as session, session.begin():
            conn = await session.connection()
            claimed = [Claimed(**row) for row in (await conn.execute(CLAIM, params)).mappings()]
            messages = await _messages(conn, {c.message_id for c in claimed})
        return claimed, messages

    async def _deliver(
        self, claimed: Claimed, messages: dict[uuid.UUID, MessageFacts], sends_by: float
    ) -> Result:
        """One send, always with an outcome: whatever goes wrong is recorded, never raised, so
        one failure cannot cost the batch the record of what it did send."""
        started = utcnow()
        with delivering(claimed.traceparent, claimed.channel, str(claimed.id)) as span:
            try:
                outcome = await self._send(claimed, messages.get(claimed.message_id), sends_by)
            except Exception as exc:
                log.exception("sending notification %s failed", claimed.id)
                outcome = failed(Status.TECHNICAL_FAILURE, "internal", repr(exc))
                if claimed.channel == "sms":  # it may have gone before the error
                    outcome = unsure("internal", repr(exc))
            outcome = _give_up_if_spent(claimed, outcome)
            span.set_attributes({"trygg.status": outcome.status, "trygg.reason": outcome.reason})
        finished = utcnow()
        return Result(claimed, outcome, started, finished, self._next_attempt(claimed, outcome))

    async def _send(
        self, claimed: Claimed, message: MessageFacts | None, sends_by: float
    ) -> Outcome:
        """The send, if it can begin by `sends_by`. Sends already under way are not cut off:
        each channel's own timeouts bound them, well inside the rest of the lease."""
        if asyncio.get_running_loop().time() > sends_by:
            return _not_begun(claimed, failed(Status.TECHNICAL_FAILURE, "lease", LEASE_RAN_SHORT))
        if claimed.address is None:
            return failed(Status.PERMANENT_FAILURE, "erased", "the recipient was erased")
        if claimed.channel == "webhook" and claimed.secret is None:
            return failed(Status.PERMANENT_FAILURE, "webhook-deleted", "the webhook was deleted")
        if message is None:
            missing = failed(Status.TECHNICAL_FAILURE, "compose", "the message is missing")
            return _not_begun(claimed, missing)
        try:
            job = self._composer.job(claimed, message)
        except Exception as exc:  # a template that cannot render this message: ours to fix
            log.exception("could not compose notification %s", claimed.id)
            return _not_begun(claimed, failed(Status.TECHNICAL_FAILURE, "compose", repr(exc)))
        if isinstance(job, EmailJob):
            # Emails queue for a few connections: their turn may come after the deadline.
            return await self._channels.email.send(job, start_by=sends_by)
        if isinstance(job, SmsJob):
            return await self._send_sms(claimed, job)
        assert isinstance(job, WebhookJob)
        return await self._channels.webhook.send(job)

    async def _send_sms(self, claimed: Claimed, job: SmsJob) -> Outcome:
        """An SMS, once the gateway's history shows an earlier unsure attempt never reached it."""
        if claimed.unsure:
            assert claimed.created_at is not None
            since = claimed.created_at - GATEWAY_CLOCK_SKEW
            try:
                sent = await self._channels.sms.sent_since(job, since)
            except GatewayUnavailable as exc:
                return unsure("sms-unsure", f"the gateway's history could not be read: {exc}")
            if sent is not None:
                return found(sent, job.report_url is not None)
        return await self._channels.sms.send(job)

    def _next_attempt(self, claimed: Claimed, outcome: Outcome) -> datetime | None:
        """When to try again: never for a final outcome or a spent budget, else after a
        back-off that doubles per attempt, capped, with jitter so retries do not stampede."""
        retryable = outcome.status in (Status.TEMPORARY_FAILURE, Status.TECHNICAL_FAILURE)
        if not (retryable or outcome.unsure) or claimed.attempts >= claimed.attempt_budget:
            return None
        s = self._settings
        ceiling = min(s.backoff_max_s, s.backoff_initial_s * 2 ** (claimed.attempts - 1))
        return utcnow() + timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))

    async def _record(
        self, results: list[Result], messages: dict[uuid.UUID, MessageFacts], deadline: float
    ) -> None:
        """Record what was sent, whatever it takes: until the database answers (the sends
        happened; letting their leases run out would send them again), and without the
        outcome events if writing those fails for any other reason. Past the lease (the
        `deadline`) the rows are another lane's, and recording no longer serves anyone."""
        backoff = 0.2
        with_events = self._settings.emit_events
        while True:
            try:
                await self._write(results, messages, with_events)
                return
            except Exception as exc:
                transient = is_transient(exc)
                if not transient and with_events:
                    log.exception("could not write outcome events; recording without them")
                    with_events = False
                    continue
                if not transient or asyncio.get_running_loop().time() > deadline:
                    raise
                log.warning("recording outcomes failed (%s); trying again", exc)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def _write(
        self, results: list[Result], messages: dict[uuid.UUID, MessageFacts], with_events: bool
    ) -> None:
        async with self._sessionmaker() as session, session.begin():
            recorded = await ledger.record(session, results)
            if with_events:
                finals = [r for r in recorded if r.final]
                await ledger.emit_outcomes(session, finals, messages)
        self._count(recorded)


def _not_begun(claimed: Claimed, outcome: Outcome) -> Outcome:
    """An attempt that never reached its send leaves an earlier unsure SMS as unsure as it was:
    failing it would have the next attempt send without looking."""
    return unsure(outcome.reason, outcome.detail) if claimed.unsure else outcome


def _give_up_if_spent(claimed: Claimed, outcome: Outcome) -> Outcome:
    """An SMS still unsure when its attempts are spent is not sent again: staff may resend."""
    if outcome.unsure and claimed.attempts >= claimed.attempt_budget:
        return failed(Status.TECHNICAL_FAILURE, "unsure", UNSURE_GIVEN_UP)
    return outcome


async def _messages(conn: AsyncConnection, ids: set[uuid.UUID]) -> dict[uuid.UUID, MessageFacts]:
    """The batch's own copy of its messages: one query per batch (none for an empty one)."""
    if not ids:
        return {}
    rows = await conn.execute(MESSAGES, {"ids": list(ids)})
    return {row["id"]: MessageFacts(**row) for row in rows.mappings()}


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
