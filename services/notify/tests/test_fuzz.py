"""Schemathesis over the notify OpenAPI document: no 5xx, responses as documented, no token
no entry (except where residents act, and the public feeds)."""

import asyncio
import re
import uuid

import httpx
import pytest
import schemathesis
from fastapi import FastAPI

from fuzzkit import REFUSALS, STRANGER, fuzz, fuzz_config
from notify.app import create_app
from notify.config import PublicSettings, Settings, WebhookSettings
from notify_testkit import token
from shared.settings import DatabaseSettings
from shared.testing import TestStack, migrate, recreate_database

# /readyz asks the broker: the fuzzed apps have the test stack's Kafka.
pytestmark = pytest.mark.kafka

# Residents' routes, the public feeds, callbacks and operations answer without a token.
OPEN = re.compile(
    r"^/(subscriptions|subscribe/|localities|cap/|contacts/|sms/|livez|readyz|metrics)"
)


@pytest.fixture(scope="module")
def fuzzed_app(stack: TestStack) -> FastAPI:
    # An app and a database of its own: schemathesis serves the app from its own event loop.
    url = asyncio.run(_database(stack))
    return create_app(
        Settings(
            db=DatabaseSettings(url=url, pool_size=2, max_overflow=2),
            kafka=stack.kafka_settings(),
            public=PublicSettings(rate_per_minute=100_000),
            webhooks=WebhookSettings(schemes=["http", "https"]),
        )
    )


async def _database(stack: TestStack) -> str:
    url = await recreate_database(stack, "notify_fuzz")
    await migrate("notify", url)
    return url


# Bodies over the public routes' size cap are refused with 413 before they are read. Valid
# requests may still be refused for what no schema can say (a host that does not resolve, an
# organisation number's check digit), so accepting every schema-valid request is not asked.
CONFIG = fuzz_config(
    home=token(),
    stranger=token(municipalities=[STRANGER]),
    acceptances=None,
    refusals=[*REFUSALS, "406", "428", "429"],
    # Inferred links take both a stakeholder's and a contact's id from the same field.
    misinferred=r"^/stakeholders/\{stakeholder_id\}/contacts/\{contact_id\}$",
    examples=4,
    scenarios=20,
)


def test_api_holds_to_its_document_in_every_phase(fuzzed_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app, config=CONFIG)
    report = fuzz(schema)
    report.assert_clean()
    # Every phase sent requests, and the stateful one followed links: stakeholders, contacts,
    # webhooks and messages it created were read and changed, by their own municipality and by the
    # other.
    report.assert_every_phase_ran()


async def test_every_staff_route_refuses_a_call_without_a_token(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    checked = 0
    for path, operations in app.openapi()["paths"].items():
        if OPEN.match(path):
            continue
        concrete = re.sub(r"\{[a-z_]+\}", str(uuid.uuid4()), path)
        for method in operations:
            response = await client.request(method.upper(), concrete, json={})
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            checked += 1
    assert checked >= 18
