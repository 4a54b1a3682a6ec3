"""Schemathesis over the walks OpenAPI document: no 5xx, responses as documented, tokens needed."""

import asyncio
import re

import httpx
import pytest
import schemathesis
from fastapi import FastAPI

from fuzzkit import STRANGER, assert_documented, calls_without_token, fuzz, fuzz_config
from shared.settings import DatabaseSettings
from shared.testing import TestStack, migrate, recreate_database
from walks.app import create_app
from walks.config import Settings
from walks_testkit import token

# /readyz asks the broker: the fuzzed apps have the test stack's Kafka.
pytestmark = pytest.mark.kafka

# Residents' pages and the operational routes answer without a token, by design.
OPEN = re.compile(r"^/(public/|livez|readyz|metrics)")


@pytest.fixture(scope="module")
def fuzzed_app(settings: Settings, stack: TestStack) -> FastAPI:
    # Schemathesis commits for real (it may retire a category of HOME's taxonomy), and serves the
    # app from its own event loop: a database of its own keeps both away from the other tests.
    url = asyncio.run(_database(stack, "walks_fuzz"))
    update = {"db": DatabaseSettings(url=url), "kafka": stack.kafka_settings()}
    return create_app(settings.model_copy(update=update))


async def _database(stack: TestStack, name: str) -> str:
    url = await recreate_database(stack, name)
    await migrate("walks", url)
    return url


# 422 for schema-valid data: taxonomy codes, referenced observations and the meeting dates
# around a walk are checked against data and rules a JSON Schema cannot carry.
CONFIG = fuzz_config(
    home=token(),
    stranger=token(municipalities=[STRANGER]),
    acceptances=["2xx", "401", "403", "404", "409", "422"],
    examples=4,
    scenarios=20,
)


def test_api_holds_to_its_document_in_every_phase(fuzzed_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app, config=CONFIG)
    report = fuzz(schema)
    report.assert_clean()
    # Every phase sent requests, and the stateful one followed links: walks, observations and plans
    # it created were read, changed and added to, by their own municipality and by the other.
    report.assert_every_phase_ran()


async def test_every_route_but_the_public_ones_refuses_a_call_without_token(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    called = await calls_without_token(
        client, app.openapi(), OPEN, {"municipality_code": "0683", "category_code": "lighting"}
    )
    assert called >= 30


def test_every_operation_is_documented(app: FastAPI) -> None:
    assert_documented(app.openapi(), OPEN)
