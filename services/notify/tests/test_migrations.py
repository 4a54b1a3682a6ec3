"""Migrations that change what is stored keep what was accepted before them."""

import uuid

import asyncpg
import pytest

from notify_testkit import FORSHEDA
from shared.db import asyncpg_dsn
from shared.testing import TestStack, migrate, recreate_database

pytestmark = pytest.mark.service

SUBSCRIPTION = """
INSERT INTO subscription (id, email, language, status, place_kind, place, radius_m, reach,
  municipality_code, channels, created_at)
VALUES ($1, 'anna@example.se', 'sv', $2, 'point', ST_SetSRID(ST_MakePoint($3, $4), 4326), 200,
  ST_Expand(ST_SetSRID(ST_MakePoint($3, $4), 4326), 0.01), NULL, '{"action_plans": "email"}',
  now() - $5 * interval '1 hour')
"""
NOTIFICATION = """
INSERT INTO notification (id, message_id, event_id, recipient_kind, recipient_id, channel,
  address, language, status, attempt_budget, created_at, updated_at)
VALUES (gen_random_uuid(), gen_random_uuid(), 'e1', 'resident', $1, 'email', 'anna@example.se',
  'sv', 'delivered', 1, now(), now())
"""


async def test_duplicates_from_before_one_subscription_per_place_are_merged(
    stack: TestStack,
) -> None:
    """Two identical subscriptions (one confirmed) made before the municipality was asked for:
    one remains, confirmed, in the municipality of the locality it lies in; the duplicate's
    notification of the same event keeps its record without recipient or address."""
    url = await recreate_database(stack, "notify_migration_test")
    await migrate("notify", url, "notify0002")
    kept, merged = uuid.uuid4(), uuid.uuid4()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(SUBSCRIPTION, kept, "confirmed", *FORSHEDA, 1)
        await conn.execute(SUBSCRIPTION, merged, "pending", *FORSHEDA, 2)
        await conn.execute(NOTIFICATION, kept)
        await conn.execute(NOTIFICATION, merged)
        await migrate("notify", url)
        rows = await conn.fetch("SELECT id, status, municipality_code FROM subscription")
        assert [tuple(r) for r in rows] == [(kept, "confirmed", "0683")]
        log = await conn.fetch("SELECT recipient_id, address FROM notification ORDER BY address")
        assert [tuple(r) for r in log] == [(kept, "anna@example.se"), (None, None)]
    finally:
        await conn.close()
