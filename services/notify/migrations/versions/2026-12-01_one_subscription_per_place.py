"""One subscription per person and place, every subscription given to one municipality, and one
notification per address and channel for each event.

- A resident who submits the subscribe form twice (same address, same place, same
  municipality) has one subscription: the database refuses a second.
- Consent is given to one municipality: point and area subscriptions made before the
  municipality was asked for get the municipality of the nearest named locality within 15 km
  of their reach; any farther keep none and are reached by nothing until subscribed again.
- However many of a person's subscriptions or stakeholder contacts an event's audience meets,
  one address gets one notification per channel.

Rows written before these rules that break them are merged, not dropped: the subscription that
stays takes its duplicates' topics, and their delivery log moves to it.

Revision ID: notify0003
Revises: notify0002
"""

from alembic import op
from sqlalchemy import text

from shared import localities

revision = "notify0003"
down_revision = "notify0002"
branch_labels = None
depends_on = None

# What makes two subscriptions the same: who (email and phone), where, and to whom consent went.
IDENTITY = (
    "coalesce(municipality_code, ''), coalesce(email, ''), coalesce(phone, ''), place_kind, "
    "radius_m, md5(ST_AsEWKB(place))"
)
# The subscription each duplicate merges into: a confirmed one first, then the oldest. The
# duplicates' delivery log moves to it; where the two were both told of one event, the second
# row keeps its record with neither recipient nor address.
MERGE = f"""
WITH ranked AS (
  SELECT id, first_value(id) OVER (
    PARTITION BY {IDENTITY}
    ORDER BY (status = 'confirmed') DESC, created_at, id) AS keeper
  FROM subscription),
told AS (
  SELECT n.id, r.keeper, n.recipient_id, row_number() OVER (
    PARTITION BY r.keeper, n.event_id, n.channel
    ORDER BY (n.recipient_id = r.keeper) DESC, n.created_at, n.id) AS nth
  FROM notification n JOIN ranked r ON n.recipient_id = r.id
  WHERE n.recipient_kind = 'resident'),
moved AS (
  UPDATE notification n
  SET recipient_id = CASE WHEN t.nth = 1 THEN t.keeper END,
      address = CASE WHEN t.nth = 1 THEN n.address END
  FROM told t WHERE n.id = t.id AND t.recipient_id <> t.keeper)
DELETE FROM subscription s USING ranked r WHERE s.id = r.id AND r.id <> r.keeper
"""
# Before this rule, one address could hold several notifications of one event and channel; all
# but the first keep their delivery record without the address.
SPLIT_DUPLICATES = """
UPDATE notification n SET address = NULL FROM (
  SELECT id, row_number() OVER (
    PARTITION BY event_id, channel, address ORDER BY created_at, id) AS nth
  FROM notification WHERE address IS NOT NULL AND recipient_kind <> 'webhook') AS d
WHERE n.id = d.id AND d.nth > 1
"""
LOCALITIES = """
CREATE TEMP TABLE migration_locality (municipality_code text, area geometry) ON COMMIT DROP
"""
ADD_LOCALITY = text(
    "INSERT INTO migration_locality VALUES (:code, ST_SetSRID(ST_GeomFromGeoJSON(:area), 4326))"
)
# The municipality of the nearest named locality, if one is within reach: the only places of
# municipalities this service knows. Subscriptions farther from all of them keep no
# municipality and are reached by nothing until their residents subscribe again.
LOCATE = """
UPDATE subscription s SET municipality_code = (
  SELECT l.municipality_code FROM migration_locality l
  WHERE ST_DWithin(l.area::geography, s.place::geography, s.radius_m + 15000)
  ORDER BY ST_Distance(l.area::geography, s.place::geography) LIMIT 1)
WHERE s.municipality_code IS NULL
"""
# The subscription that stays hears of every topic any of its duplicates did (its own
# channel winning where they differ).
MERGE_TOPICS = f"""
WITH ranked AS (
  SELECT id, channels, first_value(id) OVER (
    PARTITION BY {IDENTITY}
    ORDER BY (status = 'confirmed') DESC, created_at, id) AS keeper
  FROM subscription),
merged AS (
  SELECT r.keeper, jsonb_object_agg(t.key, t.value ORDER BY r.id = r.keeper) AS channels
  FROM ranked r, jsonb_each(r.channels) AS t GROUP BY r.keeper)
UPDATE subscription s SET channels = m.channels FROM merged m WHERE s.id = m.keeper
"""


def _locate_old_subscriptions() -> None:
    op.execute(LOCALITIES)
    bind = op.get_bind()
    for locality in localities.all_localities():
        params = {"code": locality.municipality_code, "area": locality.area.model_dump_json()}
        bind.execute(ADD_LOCALITY, params)
    op.execute(LOCATE)


def upgrade() -> None:
    _locate_old_subscriptions()
    op.execute(MERGE_TOPICS)
    op.execute(MERGE)
    op.execute(f"CREATE UNIQUE INDEX uq_subscription_person_place ON subscription ({IDENTITY})")
    op.execute(SPLIT_DUPLICATES)
    op.execute(
        "CREATE UNIQUE INDEX uq_notification_event_channel_address "
        "ON notification (event_id, channel, address) WHERE recipient_kind <> 'webhook'"
    )
    op.execute("CREATE INDEX ix_notification_address ON notification (address)")
    # Every claim looks for SMS whose lease ran out; they are few, the due rows may be many.
    op.execute(
        "CREATE INDEX ix_notification_sms_sending ON notification (next_attempt_at) "
        "WHERE status = 'sending' AND channel = 'sms'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_notification_sms_sending")
    op.execute("DROP INDEX ix_notification_address")
    op.execute("DROP INDEX uq_notification_event_channel_address")
    op.execute("DROP INDEX uq_subscription_person_place")
