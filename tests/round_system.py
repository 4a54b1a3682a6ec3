"""The tips-to-patrols-to-notify system the rounds test runs: tips' app and relay, patrols' app,
relay and consumer, notify's app, consumer and dispatcher, against the test stack's Kafka and
PostgreSQL, with a real SMTP server taking what notify sends.

Other tests write to the events topics too: each consumer reads with a group of its own whose
offsets start at its topics' end, in a municipality code and a place no other test uses (real
codes end at 2584; plan_system's are 9xxx, these are 8xxx).
"""

import asyncio
import contextlib
import email
import email.policy
import random
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import notify.app
import notify.worker
import patrols.app
import patrols.worker
import tips.app
from notify.config import SmsSettings
from notify_testkit import Inbox, smtp_server
from patrols.config import Settings as PatrolsSettings
from plan_system import Place, eventually, notify_settings, start_at_the_end
from shared.db import asyncpg_dsn, create_sessionmaker
from shared.kafka import create_topics
from shared.relay import Relay
from shared.settings import (
    ConsumerSettings,
    DatabaseSettings,
    RelaySettings,
    dead_letter_topic,
    events_topic,
)
from shared.testing import (
    TestStack,
    api_client,
    bearer,
    migrate,
    recreate_database,
    running,
    unique_name,
    wait_until,
)
from tips.config import PublicSettings as TipsPublicSettings
from tips.config import Settings as TipsSettings

SERVICES = ("tips", "patrols", "notify")
SWEDISH_TIME = ZoneInfo("Europe/Stockholm")
ROUND_SUBJECT = "Trygghetsrunda"


@dataclass
class RoundSystem:
    place: Place
    tips: httpx.AsyncClient
    patrols: httpx.AsyncClient
    notify: httpx.AsyncClient
    inbox: Inbox
    notify_engine: AsyncEngine

    @property
    def municipality(self) -> str:
        return self.place.municipality

    def emails_to(self, address: str) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=email.policy.default)  # type: ignore[misc]
            for e in self.inbox.messages
            if address in e.rcpt_tos
        ]

    def rounds_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.emails_to(address) if m["Subject"].startswith(ROUND_SUBJECT)]


@pytest.fixture(scope="module")
async def round_databases(stack: TestStack) -> dict[str, str]:
    """A fresh database for each service, migrated by its own history (all three at once)."""

    async def fresh(service: str) -> tuple[str, str]:
        url = await recreate_database(stack, f"{service}_e2e_rounds")
        await migrate(service, url)
        return service, url

    return dict(await asyncio.gather(*(fresh(service) for service in SERVICES)))


async def consumes_from_now(stack: TestStack, service: str, topics: list[str]) -> None:
    """The consumer's dead-letter topic, and its group's offsets at the end of its topics."""
    await create_topics(stack.bootstrap, [dead_letter_topic(service)], 1)
    for topic in topics:
        await start_at_the_end(stack, f"trygg.{service}", topic=topic)


def relay(stack: TestStack, service: str, url: str) -> Relay:
    return Relay(
        service,
        asyncpg_dsn(url),
        events_topic(service),
        stack.kafka_settings(),
        RelaySettings(poll_interval_s=0.2),
    )


def tips_settings(stack: TestStack, url: str) -> TipsSettings:
    # Every tip comes from the one test client: more than a resident may send in a minute.
    public = TipsPublicSettings(submissions_per_minute=100, submissions_per_day=100)
    return TipsSettings(db=DatabaseSettings(url=url), kafka=stack.kafka_settings(), public=public)


def patrols_settings(stack: TestStack, url: str) -> PatrolsSettings:
    return PatrolsSettings(
        db=DatabaseSettings(url=url),
        kafka=stack.kafka_settings(),
        consumer=ConsumerSettings(backoff_initial_s=0.1, backoff_max_s=1.0),
    )


@pytest.fixture
async def round_system(
    stack: TestStack, round_databases: dict[str, str]
) -> AsyncIterator[RoundSystem]:
    place = Place(
        random.uniform(15.0, 20.0), random.uniform(60.0, 66.0), f"8{random.randint(0, 999):03d}"
    )
    patrols_service, notify_service = unique_name("patrols_e2e_"), unique_name("notify_e2e_")
    await consumes_from_now(stack, patrols_service, patrols.worker.TOPICS)
    await consumes_from_now(stack, notify_service, notify.worker.TOPICS)
    urls = round_databases
    tips_app = tips.app.create_app(tips_settings(stack, urls["tips"]))
    patrols_config = patrols_settings(stack, urls["patrols"])
    patrols_app = patrols.app.create_app(patrols_config)
    async with contextlib.AsyncExitStack() as stack_of:
        port, inbox = stack_of.enter_context(smtp_server())
        # Nothing here goes by SMS: the gateway's address is never called.
        settings = notify_settings(stack, urls["notify"], port, SmsSettings().base_url)
        notify_app = notify.app.create_app(settings)
        notify_engine = notify_app.state.engine
        notify_sessions = create_sessionmaker(notify_engine)
        patrols_sessions = create_sessionmaker(patrols_app.state.engine)
        outbound = notify.worker.channels(settings)
        stack_of.push_async_callback(outbound.aclose)
        jobs = [
            relay(stack, "tips", urls["tips"]).run,
            relay(stack, "patrols", urls["patrols"]).run,
            patrols.worker.consumer(patrols_config, patrols_sessions, service=patrols_service).run,
            notify.worker.consumer(settings, notify_sessions, service=notify_service).run,
            notify.worker.dispatcher(settings, notify_sessions, outbound).run,
        ]
        for job in jobs:
            await stack_of.enter_async_context(running(job))
        clients = [
            await stack_of.enter_async_context(api_client(app))
            for app in (tips_app, patrols_app, notify_app)
        ]
        yield RoundSystem(place, *clients, inbox, notify_engine)
    # After every job above has stopped.
    for app in (tips_app, patrols_app, notify_app):
        await app.state.engine.dispose()


# --- Tokens and days ----------------------------------------------------------------------------


def police(system: RoundSystem) -> dict[str, str]:
    """The police: report incidents, read the ranking, designate hot spots, plan rounds."""
    scopes = ["patrols:read", "patrols:write", "patrols:plan"]
    return bearer(scopes, [system.municipality], subject="polis")


def notify_staff(system: RoundSystem) -> dict[str, str]:
    return bearer(["notify:read"], [system.municipality])


def today() -> date:
    return datetime.now(SWEDISH_TIME).date()


# --- Residents ----------------------------------------------------------------------------------


async def subscribe(
    system: RoundSystem, address: str, place: dict[str, Any], topics: dict[str, str]
) -> None:
    body = {
        "email": address,
        "municipality_code": system.municipality,
        "place": place,
        "topics": topics,
    }
    response = await system.notify.post("/subscriptions", json=body)
    assert response.status_code == 202, response.text


async def confirm(system: RoundSystem, address: str) -> None:
    """Open the link in the resident's confirmation message, then press the page's button."""
    [confirmation] = system.emails_to(address)
    content = confirmation.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    match = re.search(r"http://notify\.test(/subscriptions/confirm/[A-Za-z0-9_-]+)", content)
    assert match, content
    page_url = match[1]
    page = await system.notify.get(page_url)
    assert page.status_code == 200, page.text
    [target] = re.findall(r'<form method="post" action="([^"]+/confirm/[^"]+)">', page.text)
    confirmed = await system.notify.post(urljoin(page_url, target))
    assert confirmed.status_code == 200, confirmed.text
    assert "bekräftad" in confirmed.text


async def residents(system: RoundSystem, near: str, other_topic: str, far: str) -> None:
    """Three residents subscribe and confirm: `near` to patrol rounds around the place,
    `other_topic` around it to action plans only, `far` to patrol rounds 6 km away."""
    p = system.place
    rounds = {"patrol_feedback": "email"}
    around = {"kind": "point", "center": p.point(), "radius_m": 500}
    await subscribe(system, near, around, rounds)
    village = {"kind": "area", "polygon": p.square(size_km=1.0)}
    await subscribe(system, other_topic, village, {"action_plans": "email"})
    away = {"kind": "point", "center": p.point(dx_km=6), "radius_m": 300}
    await subscribe(system, far, away, rounds)
    everyone = (near, other_topic, far)
    await eventually(
        lambda: all(len(system.emails_to(a)) == 1 for a in everyone), "the confirmations"
    )
    for address in everyone:
        await confirm(system, address)


# --- Tips and incidents -------------------------------------------------------------------------


async def install_categories(system: RoundSystem) -> None:
    headers = bearer(["tips:admin"], [system.municipality])
    path = f"/municipalities/{system.municipality}/default-categories"
    response = await system.tips.post(path, headers=headers)
    assert response.status_code == 200, response.text


async def send_tips(system: RoundSystem, count: int) -> None:
    """Residents' tips, all at the place, from two days ago."""
    occurred = (datetime.now(SWEDISH_TIME) - timedelta(days=2)).isoformat(timespec="seconds")
    for n in range(count):
        body = {
            "category": "unsafe_place",
            "description": f"Mörkt och stökigt vid busskuren, kväll {n + 1}.",
            "location": system.place.point(),
            "occurred_at": occurred,
        }
        response = await system.tips.post(f"/public/{system.municipality}/tips", json=body)
        assert response.status_code == 201, response.text


async def incidents_from_tips(system: RoundSystem, count: int) -> list[dict[str, Any]]:
    """Wait until patrols' consumer has made the tips incidents; return them."""
    params = {"municipality": system.municipality, "source": "tip"}
    found: list[dict[str, Any]] = []

    async def taken_in() -> bool:
        response = await system.patrols.get("/incidents", params=params, headers=police(system))
        assert response.status_code == 200, response.text
        found[:] = response.json()["features"]
        return len(found) == count

    await wait_until(taken_in, 60, "the tips to become incidents")
    return found


def police_incident(n: int, location: dict[str, Any], days_ago: int) -> dict[str, Any]:
    occurred = datetime.now(SWEDISH_TIME) - timedelta(days=days_ago, hours=n % 5)
    return {
        "external_id": f"RAR-{n:05d}",
        "source": "police",
        "category": "vandalism",
        "occurred_at": occurred.isoformat(timespec="seconds"),
        "location": location,
    }


async def report_incidents(
    system: RoundSystem, at: dict[str, Any], count: int, scattered: list[float]
) -> None:
    """The police's batch: `count` incidents at `at` over the last three weeks, and one at each
    of the `scattered` distances (km east or west of the place)."""
    incidents = [police_incident(n, at, days_ago=1 + n % 20) for n in range(count)]
    incidents += [
        police_incident(count + i, system.place.point(dx_km=dx), days_ago=3 + i)
        for i, dx in enumerate(scattered)
    ]
    path = f"/municipalities/{system.municipality}/incidents/bulk"
    response = await system.patrols.post(
        path, json={"incidents": incidents}, headers=police(system)
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"created": len(incidents), "unchanged": 0}


# --- Hot spots and rounds -----------------------------------------------------------------------


async def ranking(system: RoundSystem, **params: str) -> list[dict[str, Any]]:
    """The ranking's cells over the last thirty days."""
    query = {"from": str(today() - timedelta(days=30)), "to": str(today()), **params}
    path = f"/municipalities/{system.municipality}/hot-spots/ranking"
    response = await system.patrols.get(path, params=query, headers=police(system))
    assert response.status_code == 200, response.text
    cells: list[dict[str, Any]] = response.json()["features"]
    return cells


async def designate(system: RoundSystem, cell: dict[str, Any], name: str) -> str:
    """The cell becomes a hot spot from yesterday for a month."""
    body = {
        "name": name,
        "cell_east": cell["cell_east"],
        "cell_north": cell["cell_north"],
        "cell_size_m": cell["cell_size_m"],
        "reason": "Flest händelser och tips i rangordningen, skadegörelse kvällstid.",
        "period_start": str(today() - timedelta(days=1)),
        "period_end": str(today() + timedelta(days=30)),
    }
    path = f"/municipalities/{system.municipality}/hot-spots"
    response = await system.patrols.post(path, json=body, headers=police(system))
    assert response.status_code == 201, response.text
    hot_spot_id: str = response.json()["id"]
    return hot_spot_id


async def plan_round(
    system: RoundSystem, hot_spot_id: str, unit: str, shift_start: datetime
) -> dict[str, Any]:
    body = {
        "unit": unit,
        "shift_start": shift_start.isoformat(),
        "shift_end": (shift_start + timedelta(hours=2)).isoformat(),
        "hot_spot_ids": [hot_spot_id],
    }
    path = f"/municipalities/{system.municipality}/rounds"
    response = await system.patrols.post(path, json=body, headers=police(system))
    assert response.status_code == 201, response.text
    planned: dict[str, Any] = response.json()
    return planned


async def work_round(system: RoundSystem, planned: dict[str, Any]) -> dict[str, Any]:
    """Check in and out of the round's first visit (now, both), then complete the round."""
    round_id, first = planned["id"], planned["visits"][0]["id"]
    visit = f"/rounds/{round_id}/visits/{first}"
    checked_in = await system.patrols.post(f"{visit}/check-in", headers=police(system))
    assert checked_in.status_code == 200, checked_in.text
    checked_out = await system.patrols.post(f"{visit}/check-out", headers=police(system))
    assert checked_out.status_code == 200, checked_out.text
    done = checked_out.json()
    assert done["status"] == "done"
    assert datetime.fromisoformat(done["checked_out_at"]) >= datetime.fromisoformat(
        done["checked_in_at"]
    )
    completed = await system.patrols.post(f"/rounds/{round_id}/complete", headers=police(system))
    assert completed.status_code == 200, completed.text
    result: dict[str, Any] = completed.json()
    assert result["status"] == "completed"
    return result


# --- What notify did ----------------------------------------------------------------------------


async def round_messages(system: RoundSystem) -> list[dict[str, Any]]:
    response = await system.notify.get(
        "/messages", params={"kind": "round_completed"}, headers=notify_staff(system)
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def handled_rounds(system: RoundSystem, count: int) -> list[dict[str, Any]]:
    """Wait until notify has written a message for `count` completed rounds; return them."""
    found: list[dict[str, Any]] = []

    async def handled() -> bool:
        found[:] = await round_messages(system)
        return len(found) == count

    await wait_until(handled, 60, f"notify to have handled {count} rounds")
    return found


async def settle(system: RoundSystem) -> None:
    """Wait until nothing is left to send: a message's notifications are written with it, so
    once notify has the message, whatever it owes is in the table."""

    async def nothing_to_send() -> bool:
        async with system.notify_engine.connect() as conn:
            waiting = await conn.execute(
                text(
                    "SELECT count(*) FROM notification "
                    "WHERE status IN ('created', 'sending') OR next_attempt_at IS NOT NULL"
                )
            )
            return int(waiting.scalar_one()) == 0

    await wait_until(nothing_to_send, 30, "the dispatcher to have nothing left to send")
