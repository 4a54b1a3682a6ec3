"""Schemathesis over the tips OpenAPI document, public routes included: no 5xx, responses as
documented, tokens needed wherever residents do not act."""

import asyncio
import re

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession
from tips_testkit import HOME, POLICE_SCOPES, token

from fuzzkit import STRANGER, assert_documented, calls_without_token, fuzz, fuzz_config
from shared.db import create_engine
from shared.settings import DatabaseSettings
from shared.testing import TestStack, migrate, recreate_database
from tips.app import create_app
from tips.categories import service as categories
from tips.config import Settings

# /readyz asks the broker: the fuzzed app has the test stack's Kafka.
pytestmark = pytest.mark.kafka

# Where residents act, Open311 clients read, and the operational routes: no token, by design.
OPEN = re.compile(r"^/(public/|open311/|livez|readyz|metrics)")


@pytest.fixture(scope="module")
def fuzzed_app(settings: Settings, stack: TestStack) -> FastAPI:
    # Schemathesis commits for real and serves the app from its own event loop: a database of
    # its own keeps both away from the other tests.
    url = asyncio.run(_database(stack, "tips_api_fuzz"))
    update = {"db": DatabaseSettings(url=url), "kafka": stack.kafka_settings()}
    return create_app(settings.model_copy(update=update))


async def _database(stack: TestStack, name: str) -> str:
    url = await recreate_database(stack, name)
    await migrate("tips", url)
    engine = create_engine(DatabaseSettings(url=url))
    async with AsyncSession(engine) as session:
        await categories.install_defaults(session, HOME)
        await session.commit()
    await engine.dispose()
    return url


# 422 for schema-valid data: categories, answers, localities and divert rules live in data a
# JSON Schema cannot carry; 404 for a category or municipality that does not exist. Open311
# answers 400 to whatever it cannot serve, schema-valid or not (a date span over 90 days, an
# unknown service code), as its spec says; its own tests hold it to the spec. The form's
# multipart body has limits (parts, part sizes) its OpenAPI schema cannot state.
SCOPES = [*POLICE_SCOPES, "tips:report"]
CONFIG = fuzz_config(
    home=token(SCOPES),
    stranger=token(SCOPES, municipalities=[STRANGER]),
    acceptances=["2xx", "303", "401", "403", "404", "409", "422"],
    lenient=r"^/(open311/|public/\{municipality\}/tips/new)",
    examples=4,
    scenarios=20,
)


def test_api_holds_to_its_document_in_every_phase(fuzzed_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app, config=CONFIG)
    report = fuzz(schema)
    report.assert_clean()
    # Every phase sent requests, and the stateful one followed links: tips, dialogues and reporters
    # it created were read, triaged and added to, by their own municipality and by the other.
    report.assert_every_phase_ran()


async def test_every_route_but_the_public_ones_refuses_a_call_without_token(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    called = await calls_without_token(
        client, app.openapi(), OPEN, {"municipality": HOME, "code": "other"}
    )
    assert called >= 10


def test_every_operation_is_documented(app: FastAPI) -> None:
    # Residents' pages answer their errors as pages; Open311 in its own format, as its spec says.
    formats = ("application/problem+json", "text/html")
    assert_documented(app.openapi(), OPEN, formats, own_errors=re.compile(r"^/open311/"))
