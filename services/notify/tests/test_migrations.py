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
VALUES ($1, $6, 'sv', $2, 'point', ST_SetSRID(ST_MakePoint($3, $4), 4326), 200,
  ST_Expand(ST_SetSRID(ST_MakePoint($3, $4), 4326), 0.01), NULL, $7, now() - $5 * interval '1 hour')
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
    kept, merged, near, far = (uuid.uuid4() for _ in range(4))
    anna, plans, walks = (
        "anna@example.se",
        '{"action_plans": "email"}',
        '{"walk_invitations": "sms"}',
    )
    east = (FORSHEDA[0] + 0.1, FORSHEDA[1])  # some 6 km from Forsheda, in no locality
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(SUBSCRIPTION, kept, "confirmed", *FORSHEDA, 1, anna, plans)
        await conn.execute(SUBSCRIPTION, merged, "pending", *FORSHEDA, 2, anna, walks)
        await conn.execute(SUBSCRIPTION, near, "confirmed", *east, 1, "near@example.se", plans)
        await conn.execute(SUBSCRIPTION, far, "confirmed", 20.0, 67.8, 1, "far@example.se", plans)
        await conn.execute(NOTIFICATION, kept)
        await conn.execute(NOTIFICATION, merged)
        await migrate("notify", url)
        rows = await conn.fetch(
            "SELECT id, status, municipality_code, channels::text FROM subscription "
            "WHERE email = $1",
            anna,
        )
        merged_topics = '{"action_plans": "email", "walk_invitations": "sms"}'
        assert [tuple(r) for r in rows] == [(kept, "confirmed", "0683", merged_topics)]
        located = await conn.fetch(
            "SELECT id, municipality_code FROM subscription WHERE id = ANY($1::uuid[])",
            [near, far],
        )
        assert {r["id"]: r["municipality_code"] for r in located} == {near: "0683", far: None}
        log = await conn.fetch("SELECT recipient_id, address FROM notification ORDER BY address")
        assert [tuple(r) for r in log] == [(kept, "anna@example.se"), (None, None)]
    finally:
        await conn.close()
