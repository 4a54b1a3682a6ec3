"""The dispatcher in its own process: it delivers, its outcomes reach the worker's metrics, it
is started again when it dies, and it never outlives its worker."""

import asyncio
import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from notify import worker
from notify.config import Settings, SmtpSettings
from notify.messaging import handlers
from notify.messaging.dispatch_process import in_child_process
from notify.messaging.metrics import NOTIFICATIONS
from notify.subscriptions import service as subscriptions
from notify.subscriptions.schemas import SubscriptionCreate
from notify_testkit import consumed, published, smtp_server, subscription_body
from shared.db import create_sessionmaker
from shared.testing import wait_until

pytestmark = [pytest.mark.service, pytest.mark.usefixtures("clean")]
# A new process imports notify afresh: seconds on a quiet machine, far more on a busy one.
STARTS_WITHIN_S = 180


@pytest.fixture
def mail(settings: Settings) -> Iterator[tuple[Settings, Any]]:
    """Settings that send to a real SMTP server of the test's own, and its inbox."""
    with smtp_server() as (port, inbox):
        yield settings.model_copy(update={"smtp": SmtpSettings(port=port)}), inbox


async def plan_told_to(settings: Settings, engine: AsyncEngine, email: str) -> None:
    """A resident with `email` subscribed, and a published plan that must reach them."""
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        parsed = SubscriptionCreate.model_validate(subscription_body(email=email))
        id_ = await subscriptions.subscribe(session, parsed, settings.dispatcher, settings.public)
        conn = await session.connection()
        await conn.execute(
            text("UPDATE subscription SET status = 'confirmed' WHERE id = :id"), {"id": id_}
        )
        await conn.execute(text("DELETE FROM notification WHERE recipient_id = :id"), {"id": id_})
        event = published()
        config = handlers.HandlerConfig(5, 0, settings.cap)
        await handlers.on_action_plan_published(event, session, meta=consumed(event), config=config)


def now(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    """A plain check in the form wait_until awaits."""

    async def checked() -> bool:
        return check()

    return checked


def delivered_count() -> float:
    return NOTIFICATIONS.labels("notify", "email", "delivered")._value.get()


@contextlib.asynccontextmanager
async def dispatching(settings: Settings) -> AsyncIterator[None]:
    """The worker's dispatcher job, in a child process, for the block."""
    stop = asyncio.Event()
    job = asyncio.ensure_future(in_child_process(settings, worker.deliver_in_child)(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(job, 90)


def children() -> list[BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name == "notify-dispatcher"]


async def test_the_child_delivers_and_the_worker_counts_what_it_recorded(
    mail: tuple[Settings, Any], engine: AsyncEngine
) -> None:
    settings, inbox = mail
    before = delivered_count()
    await plan_told_to(settings, engine, "anna@example.se")
    async with dispatching(settings):
        await wait_until(now(lambda: len(inbox.messages) == 1), STARTS_WITHIN_S, "the email")
        await wait_until(now(lambda: delivered_count() == before + 1), 30, "the worker to count it")
        [child] = children()
        assert child.pid != os.getpid()
    assert children() == [], "stopped with the job"


async def test_a_child_that_dies_is_started_again(
    mail: tuple[Settings, Any], engine: AsyncEngine
) -> None:
    settings, inbox = mail
    async with dispatching(settings):
        await wait_until(
            now(lambda: len(children()) == 1), STARTS_WITHIN_S, "the dispatcher process"
        )
        [first] = children()
        assert first.pid is not None
        os.kill(first.pid, signal.SIGKILL)
        await wait_until(
            now(lambda: [c.pid for c in children()] not in ([], [first.pid])),
            STARTS_WITHIN_S,
            "another process",
        )
        await plan_told_to(settings, engine, "bo@example.se")
        await wait_until(
            now(lambda: len(inbox.messages) == 1), STARTS_WITHIN_S, "the email, sent by the new one"
        )


# A worker of its own (the dispatcher job alone), which prints its child's PID.
WORKER = """
import asyncio, multiprocessing, sys
from notify import worker
from notify.config import Settings
from notify.messaging.dispatch_process import in_child_process

async def main():
    deliver = in_child_process(Settings(), worker.deliver_in_child)
    job = asyncio.ensure_future(deliver(asyncio.Event()))
    while not multiprocessing.active_children():
        await asyncio.sleep(0.05)
    print(multiprocessing.active_children()[0].pid, flush=True)
    await job

asyncio.run(main())
"""


def ended(pid: int) -> bool:
    """Gone, or a zombie no one has reaped yet: either way, no longer running."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, IndexError):
        return True
    return state in "ZX"


async def test_the_child_stops_when_its_worker_is_killed(settings: Settings) -> None:
    env = {
        **os.environ,
        "NOTIFY_DB__URL": settings.db.url,
        "NOTIFY_ENVIRONMENT": "development",
        "TRYGG_ENVIRONMENT": "development",
        "NOTIFY_LOG_LEVEL": "WARNING",
    }
    parent = subprocess.Popen(  # noqa: ASYNC220 - the child's PID is read from its first line
        [sys.executable, "-c", WORKER], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        line = await asyncio.to_thread(parent.stdout.readline)
        child = int(line)
        assert not ended(child)
        parent.kill()
        await wait_until(
            now(lambda: ended(child)), STARTS_WITHIN_S, "the dispatcher process to stop"
        )
    finally:
        parent.kill()
        parent.wait()
