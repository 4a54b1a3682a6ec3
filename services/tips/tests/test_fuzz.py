"""Schemathesis over the tips OpenAPI document, public routes included: no 5xx, responses as
documented, tokens needed wherever residents do not act."""

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
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlmodel.ext.asyncio.session import AsyncSession
from tips_testkit import HOME, POLICE_SCOPES, token

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
LENIENT = ("/open311/", "/public/{municipality}/tips/new")


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


# 413: a generated body may pass the size limit; refusing it is right, whatever its content.
REFUSALS = ["400", "401", "403", "404", "405", "409", "413", "415", "422"]
# 422 for schema-valid data: categories, answers, localities and divert rules live in data a
# JSON Schema cannot carry; 404 for a category or municipality that does not exist.
ACCEPTANCES = ["2xx", "303", "401", "403", "404", "409", "422"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {"expected-statuses": REFUSALS},
            "positive_data_acceptance": {"expected-statuses": ACCEPTANCES},
        }
    }
)


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app, config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case: schemathesis.Case) -> None:
    # Open311 answers 400 to whatever it cannot serve, schema-valid or not (a date span over 90
    # days, an unknown service code), as its spec says; its own tests hold it to the spec. The
    # form's multipart body has limits (parts, part sizes) its OpenAPI schema cannot state.
    lenient = [positive_data_acceptance] if case.path.startswith(LENIENT) else []
    headers = token([*POLICE_SCOPES, "tips:report"])
    response = case.call_and_validate(headers=headers, excluded_checks=lenient)
    assert response.status_code < 500


async def test_every_route_but_the_public_ones_refuses_a_call_without_token(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    document = app.openapi()
    checked = 0
    for path, operations in document["paths"].items():
        if OPEN.match(path):
            continue
        concrete = re.sub(r"\{municipality\}", HOME, path)
        concrete = re.sub(r"\{code\}", "other", concrete)
        concrete = re.sub(r"\{[a-z_]+\}", str(uuid.uuid4()), concrete)
        for method in operations:
            response = await client.request(method.upper(), concrete, json={})
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            checked += 1
    assert checked >= 10


def test_every_operation_is_documented(app: FastAPI) -> None:
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert operation.get("description"), where
            codes = set(operation["responses"])
            if not OPEN.match(path):
                assert {"401", "403", "422"} <= codes, where
            if path.startswith("/open311/"):
                continue  # Open311 answers errors in its own format, as its spec says
            for code, response in operation["responses"].items():
                # Residents' pages answer their errors as pages.
                given = set(response.get("content", {}))
                formats = {"application/problem+json", "text/html"} & given
                if code.startswith("4"):
                    assert formats, (where, code)
