"""The models and the migrations describe one schema: a column or index added to a model
without a migration (or the other way round) fails here."""

import pytest

from notify.tables import metadata
from shared.testing import TestStack, migrate, recreate_database, schema_differences

pytestmark = pytest.mark.service


async def test_the_migrated_database_is_what_the_models_say(stack: TestStack) -> None:
    url = await recreate_database(stack, "notify_schema")
    await migrate("notify", url)
    assert await schema_differences(url, metadata()) == []
