"""Fixtures for the cross-service tests: every service's database, migrated by its own history."""

import pytest

from crossservice import SERVICES
from shared.testing import TestStack, migrate, recreate_database


@pytest.fixture(scope="session")
async def service_db_urls(stack: TestStack) -> dict[str, str]:
    urls = {}
    for service in SERVICES:
        urls[service] = await recreate_database(stack, f"{service}_e2e")
        await migrate(service, urls[service])
    return urls
