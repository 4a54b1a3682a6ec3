"""Applying one partition's batch: the inbox claim, the handlers and their outbox events in one
transaction, and when a handler fails, the same again in smaller pieces so that only the bad
record is dead-lettered.

The batch's consecutive events of a `Batch` route go to its handler in one call; every other
event to its own handler, one after the other. Both keep the partition's order, so each key's
events take effect in the order they were produced."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from aiokafka import ConsumerRecord
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.consumer.claims import claim
from shared.consumer.routes import Batch, EventMeta, HandlerFailed, Item, Routes
from shared.db import Sessionmaker
from shared.dead_letters import DeadLetter
from shared.events import InvalidEvent, contract_for, parse_data, parse_envelope
from shared.failures import is_transient
from shared.metrics import CONSUMED

log = logging.getLogger(__name__)


def parse(record: ConsumerRecord[bytes, bytes], routes: Routes) -> Item:
    """The record's event and its route; its error when it cannot be parsed or validated."""
    item = Item(record)
    try:
        envelope = parse_envelope(record.value)
        item.meta = EventMeta(
            envelope.id,
            envelope.source,
            envelope.type,
            envelope.subject,
            record.topic,
            record.partition,
            record.offset,
            envelope,
        )
        item.route = routes.get(envelope.type)
        contract = contract_for(envelope.type)
        if item.route is not None:
            if contract is None:
                raise InvalidEvent(f"no contract is registered for {envelope.type}")
            item.event = parse_data(envelope, contract)
    except InvalidEvent as exc:
        item.error = str(exc)
        item.route = None
    return item


@dataclass
class Applier:
    service: str
    sessionmaker: Sessionmaker
    handler_attempts: int

    async def apply(self, items: list[Item]) -> list[DeadLetter]:
        """Handle a batch in one transaction; returns the records that must be dead-lettered.
        An outage raises, and the caller runs the same batch again."""
        dead = [DeadLetter(i.record, i.error, "InvalidEvent") for i in items if i.error]
        routed = [i for i in items if i.route is not None]
        CONSUMED.labels(self.service, "ignored").inc(len(items) - len(routed) - len(dead))
        if not routed:
            return dead
        try:
            async with self.sessionmaker() as session, session.begin():
                await _claim_and_run(session, routed)
            CONSUMED.labels(self.service, "handled").inc(len(routed))
        except HandlerFailed:
            # Something in the batch is bad: redo it piece by piece, isolating it.
            dead += await self._isolating(routed)
        return dead

    async def _isolating(self, items: list[Item]) -> list[DeadLetter]:
        """Each run of a batch handler whole, in a savepoint; a run that fails, and every
        other event, record by record."""
        dead: list[DeadLetter] = []
        async with self.sessionmaker() as session, session.begin():
            for run in runs(items):
                if len(run) > 1 and await self._run_whole(run, session):
                    continue
                for item in run:
                    letter = await self._apply_isolated(item, session)
                    if letter is not None:
                        dead.append(letter)
        return dead

    async def _run_whole(self, run: list[Item], session: AsyncSession) -> bool:
        try:
            async with session.begin_nested():
                await _claim_and_run(session, run)
        except HandlerFailed as exc:
            log.warning("a batch of %d failed, retrying it record by record: %s", len(run), exc)
            return False
        CONSUMED.labels(self.service, "handled").inc(len(run))
        return True

    async def _apply_isolated(self, item: Item, session: AsyncSession) -> DeadLetter | None:
        error: HandlerFailed | None = None
        for attempt in range(1, self.handler_attempts + 1):
            try:
                async with session.begin_nested():
                    await _claim_and_run(session, [item])
                CONSUMED.labels(self.service, "handled").inc()
                return None
            except HandlerFailed as exc:
                error = exc
                log.warning("handler failed (attempt %d): %s", attempt, exc.__cause__)
                if attempt < self.handler_attempts:
                    CONSUMED.labels(self.service, "retried").inc()
        CONSUMED.labels(self.service, "dead_lettered").inc()
        assert error is not None
        cause = error.__cause__ or error
        return DeadLetter(item.record, str(cause), type(cause).__name__)


async def _claim_and_run(session: AsyncSession, items: list[Item]) -> None:
    """Claim the items' inbox rows in one statement and run the handlers of the new ones."""
    fresh = await claim(session, (i.meta for i in items if i.meta is not None))
    todo: list[Item] = []
    for item in items:
        if item.key in fresh:
            fresh.discard(item.key)  # the same event twice in one batch runs once
            todo.append(item)
    for run in runs(todo):
        await _call(run, session)


def runs(items: list[Item]) -> Iterator[list[Item]]:
    """The items in order, consecutive ones of one `Batch` route together, any other alone."""
    run: list[Item] = []
    for item in items:
        if run and isinstance(item.route, Batch) and item.route is run[0].route:
            run.append(item)
            continue
        if run:
            yield run
        run = [item]
    if run:
        yield run


async def _call(run: list[Item], session: AsyncSession) -> None:
    route = run[0].route
    try:
        if isinstance(route, Batch):
            await route.handler([item.received() for item in run], session)
        else:
            assert route is not None
            [item] = run
            received = item.received()
            with received.context():
                await route(received.event, session, meta=received.meta)
        # Statements the handler left pending fail here, still charged to its records.
        await session.flush()
    except Exception as exc:
        if is_transient(exc):
            raise
        raise HandlerFailed(str(exc)) from exc
