"""Schemathesis over the notify OpenAPI document: no 5xx, responses as documented, no token
no entry (except where residents act, and the public feeds)."""

import asyncio
import re
import uuid
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

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
CHECKS = {
    "negative_data_rejection": {
        "expected-statuses": [
            "400",
            "401",
            "403",
            "404",
            "405",
            "406",
            "409",
            "413",
            "415",
            "422",
            "428",
            "429",
        ]
    },
    "positive_data_acceptance": {"enabled": False},
}


# Unknown query parameters are ignored, as FastAPI ignores them; no request is made of them.
GENERATION = {"allow-extra-parameters": False}


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: FastAPI) -> Any:
    config = SchemathesisConfig.from_dict({"checks": CHECKS, "generation": GENERATION})
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case: schemathesis.Case) -> None:
    response = case.call_and_validate(headers=token())
    assert response.status_code < 500


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
