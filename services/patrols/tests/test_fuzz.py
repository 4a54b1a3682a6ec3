"""Schemathesis over the patrols OpenAPI document: no 5xx, responses as documented, a token
needed on every route but the operational ones."""

import asyncio
import re

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from patrols_testkit import HOME, POLICE_SCOPES, token

from fuzzkit import STRANGER, assert_documented, calls_without_token, fuzz, fuzz_config
from patrols.app import create_app
from patrols.config import Settings
from shared.settings import DatabaseSettings
from shared.testing import TestStack, migrate, recreate_database

# /readyz asks the broker: the fuzzed app has the test stack's Kafka.
pytestmark = pytest.mark.kafka

# The operational routes answer without a token, by design, and so do residents' public pages:
# signed promises, and the summary of an approved week's picture (small counts suppressed).
OPEN = re.compile(r"^/(livez|readyz|metrics|public/)")


@pytest.fixture(scope="module")
def fuzzed_app(settings: Settings, stack: TestStack) -> FastAPI:
    # Schemathesis commits for real and serves the app from its own event loop: a database of
    # its own keeps both away from the other tests.
    url = asyncio.run(_database(stack, "patrols_api_fuzz"))
    update = {"db": DatabaseSettings(url=url), "kafka": stack.kafka_settings()}
    return create_app(settings.model_copy(update=update))


async def _database(stack: TestStack, name: str) -> str:
    url = await recreate_database(stack, name)
    await migrate("patrols", url)
    return url


# 422 for schema-valid data: grid squares, periods, shifts and hot spots are checked against
# data and rules a JSON Schema cannot carry; 404 for ids that do not exist.
CONFIG = fuzz_config(
    home=token(POLICE_SCOPES),
    stranger=token(POLICE_SCOPES, municipalities=[STRANGER]),
    acceptances=["2xx", "401", "403", "404", "409", "422"],
    examples=4,
    scenarios=20,
)


def test_api_holds_to_its_document_in_every_phase(fuzzed_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app, config=CONFIG)
    report = fuzz(schema)
    report.assert_clean()
    # Every phase sent requests, and the stateful one followed links: incidents, hot spots, rounds
    # and promises it created were read and changed, by their own municipality and by the other.
    report.assert_every_phase_ran()


async def test_every_route_refuses_a_call_without_token(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    called = await calls_without_token(client, app.openapi(), OPEN, {"municipality": HOME})
    assert called >= 10


def test_every_operation_is_documented(app: FastAPI) -> None:
    assert_documented(app.openapi(), OPEN)
