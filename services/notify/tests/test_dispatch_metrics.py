"""What notify's worker shows Prometheus of its dispatcher, scraped over HTTP: the due queue
and its oldest, and every recorded outcome by channel and status."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from notify import worker
from notify.config import Settings, SmtpSettings
from notify.messaging.dispatcher import Dispatcher
from notify.messaging.metrics import sample_queue
from notify.subscriptions import service as subscriptions
from notify.subscriptions.schemas import SubscriptionCreate
from notify_testkit import Inbox, smtp_server, subscription_body
from scraping import Samples, scrape, until_scraped, value
from shared.db import Sessionmaker, create_sessionmaker
from shared.settings import WorkerSettings
from shared.testing import running
from shared.worker_metrics import sampling, serving_metrics

pytestmark = [pytest.mark.service, pytest.mark.usefixtures("clean")]


@dataclass
class Rig:
    settings: Settings
    sessionmaker: Sessionmaker
    dispatcher: Dispatcher
    inbox: Inbox
    port: int


@pytest.fixture
async def rig(settings: Settings, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Rig]:
    """The dispatcher with a real SMTP server, and the worker's endpoint and queue sampler."""
    sessionmaker = create_sessionmaker(engine)
    sampler = sampling(0.05, [sample_queue], sessionmaker)
    with smtp_server() as (smtp_port, inbox):
        configured = settings.model_copy(
            update={"smtp": SmtpSettings(port=smtp_port, connections=1)}
        )
        outbound = worker.channels(configured)
        dispatcher = worker.dispatcher(configured, sessionmaker, outbound)
        async with serving_metrics(WorkerSettings(metrics_port=0)) as port, running(sampler):
            assert port is not None
            yield Rig(configured, sessionmaker, dispatcher, inbox, port)
        await outbound.aclose()


async def subscribe(rig: Rig, address: str) -> None:
    """A subscription, whose confirmation email is due at once."""
    async with rig.sessionmaker() as session, session.begin():
        body = SubscriptionCreate.model_validate(subscription_body(email=address))
        await subscriptions.subscribe(session, body, rig.settings.dispatcher, rig.settings.public)


def due(samples: Samples) -> float | None:
    return value(samples, "trygg_dispatcher_due_notifications", service="notify")


def emails(samples: Samples, status: str) -> float:
    found = value(
        samples, "trygg_notifications_total", service="notify", channel="email", status=status
    )
    return found or 0


async def test_the_due_queue_and_its_oldest_show_until_the_dispatcher_sends(rig: Rig) -> None:
    await subscribe(rig, "anna@example.se")
    await subscribe(rig, "bo@example.se")
    waiting = await until_scraped(rig.port, "two notifications due", lambda s: due(s) == 2)
    oldest = value(waiting, "trygg_dispatcher_oldest_due_seconds", service="notify")
    assert oldest is not None
    assert oldest >= 0
    assert await rig.dispatcher.dispatch_batch() == 2
    sent = await until_scraped(rig.port, "the queue to empty", lambda s: due(s) == 0)
    assert value(sent, "trygg_dispatcher_oldest_due_seconds", service="notify") == 0


async def test_outcomes_are_counted_by_channel_and_status(rig: Rig) -> None:
    before = await scrape(rig.port)
    # The SMTP server refuses the first message for good and takes the second.
    rig.inbox.answers = ["550 5.1.1 no such mailbox"]
    await subscribe(rig, "nobody@example.se")
    assert await rig.dispatcher.dispatch_batch() == 1
    await subscribe(rig, "anna@example.se")
    assert await rig.dispatcher.dispatch_batch() == 1
    after = await scrape(rig.port)
    assert emails(after, "permanent-failure") - emails(before, "permanent-failure") == 1
    assert emails(after, "delivered") - emails(before, "delivered") == 1
    assert len(rig.inbox.messages) == 1
