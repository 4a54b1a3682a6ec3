"""The backup drill: the four services' databases, populated through their real apps, relays
and consumers, are backed up with deploy/backup.sh and restored into a fresh PostgreSQL cluster
(its own folder and port); every table of the four has the same rows there, by count and by a
checksum of its rows.

The services run against the test stack; their consumers read with groups of their own whose
offsets start at their topics' end, in a municipality and a place no other test uses.
"""

import asyncio
import contextlib
import functools
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

import notify.app
import notify.worker
import patrols.app
import patrols.worker
import tips.app
import walks.app
from backup_drill import fingerprints, restored, scalar, take_backup
from plan_system import Place, notify_settings
from round_system import SWEDISH_TIME, consumes_from_now, patrols_settings, relay, tips_settings
from shared.db import create_sessionmaker
from shared.settings import DatabaseSettings
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
from walks.config import Settings as WalksSettings

pytestmark = pytest.mark.kafka
SERVICES = ("walks", "tips", "patrols", "notify")
PLAN_PUBLISHED = "se.trygg.walks.action_plan.published.v1"
TIP_RECEIVED = "se.trygg.tips.tip.received.v1"


@dataclass
class Clients:
    place: Place
    walks: httpx.AsyncClient
    tips: httpx.AsyncClient
    patrols: httpx.AsyncClient
    notify: httpx.AsyncClient


@pytest.fixture(scope="module")
async def drill_databases(stack: TestStack) -> dict[str, str]:
    async def fresh(service: str) -> tuple[str, str]:
        url = await recreate_database(stack, f"{service}_backup_drill")
        await migrate(service, url)
        return service, url

    return dict(await asyncio.gather(*(fresh(service) for service in SERVICES)))


@contextlib.asynccontextmanager
async def four_services(stack: TestStack, urls: dict[str, str]) -> AsyncIterator[Clients]:
    """The four apps, walks' and tips' relays, patrols' and notify's consumers."""
    place = Place(
        random.uniform(15.0, 20.0), random.uniform(60.0, 66.0), f"7{random.randint(0, 999):03d}"
    )
    patrols_service, notify_service = unique_name("patrols_bk_"), unique_name("notify_bk_")
    await consumes_from_now(stack, patrols_service, patrols.worker.TOPICS)
    await consumes_from_now(stack, notify_service, notify.worker.TOPICS)
    patrols_config = patrols_settings(stack, urls["patrols"])
    # Nothing is sent: no dispatcher runs, so notifications stay in the table as created.
    notify_config = notify_settings(stack, urls["notify"], 1, "http://127.0.0.1:1")
    walks_config = WalksSettings(
        db=DatabaseSettings(url=urls["walks"]), kafka=stack.kafka_settings()
    )
    apps = [
        walks.app.create_app(walks_config),
        tips.app.create_app(tips_settings(stack, urls["tips"])),
        patrols.app.create_app(patrols_config),
        notify.app.create_app(notify_config),
    ]
    async with contextlib.AsyncExitStack() as stack_of:
        jobs = [
            relay(stack, "walks", urls["walks"]).run,
            relay(stack, "tips", urls["tips"]).run,
            patrols.worker.consumer(
                patrols_config,
                create_sessionmaker(apps[2].state.engine),
                service=patrols_service,
            ).run,
            notify.worker.consumer(
                notify_config, create_sessionmaker(apps[3].state.engine), service=notify_service
            ).run,
        ]
        for job in jobs:
            await stack_of.enter_async_context(running(job))
        clients = [await stack_of.enter_async_context(api_client(app)) for app in apps]
        yield Clients(place, *clients)
    for app in apps:
        await app.state.engine.dispose()


async def _ok(response: httpx.Response, status: int = 201) -> httpx.Response:
    assert response.status_code == status, response.text
    return response


async def subscribe_resident(c: Clients) -> None:
    body = {
        "municipality_code": c.place.municipality,
        "email": "granne@example.se",
        "place": {"kind": "point", "center": c.place.point(), "radius_m": 500},
        "topics": {"action_plans": "email"},
    }
    await _ok(await c.notify.post("/subscriptions", json=body), 202)


async def send_tip(c: Clients) -> None:
    admin = bearer(["tips:admin"], [c.place.municipality])
    path = f"/municipalities/{c.place.municipality}/default-categories"
    await _ok(await c.tips.post(path, headers=admin), 200)
    body = {
        "category": "unsafe_place",
        "description": "Mörkt vid busskuren.",
        "location": c.place.point(),
        "occurred_at": (datetime.now(SWEDISH_TIME) - timedelta(days=1)).isoformat(),
    }
    await _ok(await c.tips.post(f"/public/{c.place.municipality}/tips", json=body))


async def report_incidents(c: Clients) -> None:
    police = bearer(["patrols:read", "patrols:write"], [c.place.municipality])
    occurred = (datetime.now(SWEDISH_TIME) - timedelta(days=2)).isoformat(timespec="seconds")
    incidents = [
        {
            "external_id": f"RAR-{n}",
            "source": "police",
            "category": "vandalism",
            "occurred_at": occurred,
            "location": c.place.point(dx_km=n),
        }
        for n in range(3)
    ]
    path = f"/municipalities/{c.place.municipality}/incidents/bulk"
    await _ok(await c.patrols.post(path, json={"incidents": incidents}, headers=police), 200)


async def publish_plan(c: Clients) -> None:
    headers = bearer(["walks:read", "walks:write", "walks:publish"], [c.place.municipality])
    plan = {
        "municipality_code": c.place.municipality,
        "locality": "Testbyn",
        "title": "Tryggare kvällar i Testbyn",
        "public_summary": "Bättre belysning vid busskuren.",
        "affected_area": c.place.square(),
        "buffer_m": 200,
        "measures": [
            {
                "title": "Byt armaturer",
                "responsible": {"name": "Gatuavdelningen", "department_code": "GATA"},
                "priority": "high",
                "due_date": "2027-12-20",
            }
        ],
    }
    created = await _ok(await c.walks.post("/action-plans", json=plan, headers=headers))
    plan_id = created.json()["id"]
    await _ok(await c.walks.post(f"/action-plans/{plan_id}/publish", headers=headers), 200)


async def _handled(url: str, event_type: str) -> bool:
    return bool(await scalar(url, f"SELECT count(*) FROM inbox WHERE type = '{event_type}'"))


async def populate(stack: TestStack, urls: dict[str, str]) -> None:
    """A walk's plan, a tip, the police's incidents, a resident; the events consumed."""
    async with four_services(stack, urls) as clients:
        await subscribe_resident(clients)
        await send_tip(clients)
        await report_incidents(clients)
        await publish_plan(clients)
        for url, event_type in [
            (urls["patrols"], TIP_RECEIVED),
            (urls["patrols"], PLAN_PUBLISHED),
            (urls["notify"], PLAN_PUBLISHED),
        ]:
            handled = functools.partial(_handled, url, event_type)
            await wait_until(handled, 60, f"{event_type} handled")


# Rows each service's drill must have, so that the comparison compares something.
POPULATED = {
    "walks": ["public.action_plan", "public.measure", "public.outbox"],
    "tips": ["public.tip", "public.outbox"],
    "patrols": ["public.incident", "public.inbox"],
    "notify": ["public.subscription", "public.notification", "public.message", "public.inbox"],
}


async def test_every_row_of_the_four_databases_is_in_the_restored_cluster(
    stack: TestStack, drill_databases: dict[str, str], tmp_path: Path
) -> None:
    await populate(stack, drill_databases)
    before = {s: await fingerprints(url) for s, url in drill_databases.items()}
    for service, tables in POPULATED.items():
        assert all(before[service][t][0] > 0 for t in tables), (service, before[service])
    backup = await take_backup(stack, tmp_path / "backup")
    assert (backup / "consumer-offsets.json").exists()
    async with restored(stack, backup) as cluster:
        for service in SERVICES:
            after = await fingerprints(cluster.url(f"{service}_backup_drill"))
            assert after == before[service], service
