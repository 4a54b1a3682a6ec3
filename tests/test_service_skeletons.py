"""Every service stands: migrated by its own history, healthy, documented, its relay running."""

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from crossservice import SERVICES, build_app
from shared.db import asyncpg_dsn
from shared.outbox import emit
from shared.relay import Relay
from shared.settings import RelaySettings, events_topic
from shared.testing import ProbeHappened, TestStack, api_client, find_event, running, wait_until

# /readyz asks the broker too.
pytestmark = pytest.mark.kafka


@pytest.mark.parametrize("service", SERVICES)
async def test_health_routes_answer(
    service: str, stack: TestStack, service_db_urls: dict[str, str]
) -> None:
    app = build_app(service, stack, service_db_urls[service])
    async with api_client(app) as client:
        live = await client.get("/livez")
        ready = await client.get("/readyz")
        metrics = await client.get("/metrics")
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "kafka": "ok", "outbox": "ok"}
    assert "trygg_http_requests_total" in metrics.text


@pytest.mark.parametrize("service", SERVICES)
async def test_openapi_document_and_docs_are_served(
    service: str, stack: TestStack, service_db_urls: dict[str, str]
) -> None:
    app = build_app(service, stack, service_db_urls[service])
    async with api_client(app) as client:
        document = (await client.get("/openapi.json")).json()
        docs = await client.get("/docs")
    assert document["info"]["title"] == f"Trygg {service}"
    assert docs.status_code == 200
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"


async def test_unknown_route_is_a_problem_document(
    stack: TestStack, service_db_urls: dict[str, str]
) -> None:
    app = build_app("walks", stack, service_db_urls["walks"])
    async with api_client(app) as client:
        response = await client.get("/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
    assert response.json()["instance"] == "/no-such-thing"


@pytest.mark.kafka
@pytest.mark.parametrize("service", SERVICES)
async def test_service_relay_publishes_its_outbox_to_its_topic(
    service: str, stack: TestStack, service_db_urls: dict[str, str]
) -> None:
    url = service_db_urls[service]
    engine = create_async_engine(url)
    app = build_app(service, stack, url)
    async with app.state.sessionmaker() as session, session.begin():
        event_id = emit(session, ProbeHappened(aggregate=service, n=1))
    relay = Relay(
        service,
        asyncpg_dsn(url),
        events_topic(service),
        stack.kafka_settings(),
        RelaySettings(poll_interval_s=0.2),
    )
    async with running(relay.run):
        record = await find_event(stack.bootstrap, events_topic(service), str(event_id))

        async def marked_published() -> bool:
            async with engine.connect() as conn:
                return not (
                    await conn.execute(
                        text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                    )
                ).scalar_one()

        await wait_until(marked_published, 30, "the outbox row to be marked published")
    await engine.dispose()
    assert record.key == service.encode()
