"""Schemathesis over the OpenAPI documents of the services without domain routes yet.

walks, tips and notify fuzz their own documents in their test folders.
"""

import asyncio

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from crossservice import build_app
from shared.testing import TestStack, migrate, recreate_database

# /readyz asks the broker too.
pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module", params=["patrols"])
def api_schema(request: pytest.FixtureRequest, stack: TestStack) -> object:
    service = request.param
    # The app runs in schemathesis' own event loop, so it gets a database of its own.
    url = asyncio.run(_database(stack, f"{service}_fuzz", service))
    return schemathesis.openapi.from_asgi("/openapi.json", build_app(service, stack, url))


async def _database(stack: TestStack, name: str, service: str) -> str:
    url = await recreate_database(stack, name)
    await migrate(service, url)
    return url


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case: schemathesis.Case) -> None:
    response = case.call_and_validate()
    assert response.status_code < 500
