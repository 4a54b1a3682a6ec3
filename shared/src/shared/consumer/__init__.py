"""The one consumer runner: inbox-deduplicated handling, offsets committed after the database.

A worker builds a table from event type to route: a `Handler` of one event
(`async def on_<event>(event, session, *, meta)`) or a `Batch` whose handler takes a run of
consecutive events of its type in one call and does its work in a few set-based statements.
"""

from shared.consumer.routes import (
    Batch,
    BatchHandler,
    EventMeta,
    Handler,
    Received,
    Route,
    Routes,
)
from shared.consumer.runner import ConsumerRunner, Observer

__all__ = [
    "Batch",
    "BatchHandler",
    "ConsumerRunner",
    "EventMeta",
    "Handler",
    "Observer",
    "Received",
    "Route",
    "Routes",
]
