"""What the consumer hands its handlers, and the two kinds of route a worker's table may hold:
a handler of one event, or a handler of a run of events of one type in a single call."""

import contextlib
from collections.abc import Awaitable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiokafka import ConsumerRecord
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events import CloudEvent, Contract
from shared.logs import event_context
from shared.tracing import consuming


@dataclass(frozen=True)
class EventMeta:
    """Where a consumed event came from; handlers receive it as `meta`."""

    id: str
    source: str
    type: str
    subject: str | None
    topic: str
    partition: int
    offset: int
    envelope: CloudEvent


class Handler(Protocol):
    """What the consumer calls for one event, in the record's transaction:
    `async def on_<event>(event, session, *, meta)`. Whatever else a handler needs is bound
    in by the worker that builds the routing table (`functools.partial`)."""

    def __call__(
        self, event: Any, session: AsyncSession, /, *, meta: EventMeta
    ) -> Awaitable[None]: ...


@dataclass(frozen=True)
class Received:
    """One event of a batch, with where it came from."""

    event: Any
    meta: EventMeta
    record: ConsumerRecord[bytes, bytes]

    @contextlib.contextmanager
    def context(self) -> Iterator[None]:
        """The event's log fields and trace, for a batch handler that emits an event of its
        own on this one's behalf (the emitted event then carries this one's trace on)."""
        meta = self.meta
        with (
            event_context(meta.id, meta.type),
            consuming(meta.topic, self.record.headers, meta.envelope.traceparent, meta.id),
        ):
            yield


class BatchHandler(Protocol):
    """What the consumer calls for a run of consecutive events of one type from one partition,
    in their order on the partition and in one transaction:
    `async def on_<events>(batch, session)`. It should do its work in a few set-based
    statements; two events of one aggregate may be in one batch, in the order they happened."""

    def __call__(self, batch: Sequence[Received], session: AsyncSession, /) -> Awaitable[None]: ...


@dataclass(frozen=True)
class Batch:
    """A route whose handler takes whole runs of events (see `BatchHandler`):
    `{Contract.wire_type: Batch(on_events)}` in a worker's table."""

    handler: BatchHandler


Route = Handler | Batch
Routes = Mapping[str, Route]


@dataclass
class Item:
    """One consumed record on its way through the runner."""

    record: ConsumerRecord[bytes, bytes]
    meta: EventMeta | None = None
    event: Contract | None = None
    route: Route | None = None
    error: str | None = None

    def received(self) -> Received:
        assert self.meta is not None
        return Received(self.event, self.meta, self.record)

    @property
    def key(self) -> tuple[str, str]:
        """The event's inbox key."""
        assert self.meta is not None
        return (self.meta.source, self.meta.id)


class HandlerFailed(Exception):
    """A handler error that is not an outage: retried a bounded number of times."""
