"""Subscriptions, stakeholders, webhooks, messages, notifications, attempts, CAP alerts.

Revision ID: notify0002
Revises: notify0001
"""

from alembic import op

revision = "notify0002"
down_revision = "notify0001"
branch_labels = None
depends_on = None


def _one_of(column: str, values: str) -> str:
    return f"CHECK ({column} IN ({', '.join(repr(v) for v in values.split())}))"


MUNICIPALITY = "varchar(4) CHECK ({0} ~ '^[0-9]{{4}}$')"
STATUSES = (
    "created sending delivered temporary-failure permanent-failure technical-failure cancelled"
)

# The moment a message may go out to someone with quiet hours (local time): `at` itself, or the
# end of the quiet window `at` falls in. Windows may span midnight (21:00-07:00).
QUIET_UNTIL = """
CREATE FUNCTION notify_quiet_until(q_start time, q_end time, at timestamptz)
RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN q_start IS NULL OR q_end IS NULL OR q_start = q_end THEN at
    WHEN q_start < q_end THEN CASE
      WHEN l::time >= q_start AND l::time < q_end
        THEN (l::date + q_end) AT TIME ZONE 'Europe/Stockholm'
      ELSE at END
    WHEN l::time >= q_start THEN ((l::date + 1) + q_end) AT TIME ZONE 'Europe/Stockholm'
    WHEN l::time < q_end THEN (l::date + q_end) AT TIME ZONE 'Europe/Stockholm'
    ELSE at
  END
  FROM (SELECT at AT TIME ZONE 'Europe/Stockholm' AS l) AS local_time
$$
"""

TABLES = [
    f"""
    CREATE TABLE subscription (
      id uuid PRIMARY KEY,
      email text,
      phone text,
      language text NOT NULL {_one_of("language", "sv en")},
      status text NOT NULL {_one_of("status", "pending confirmed unsubscribed")},
      place_kind text NOT NULL {_one_of("place_kind", "point area locality")},
      place geometry(Geometry, 4326) NOT NULL,
      radius_m integer NOT NULL DEFAULT 0 CHECK (radius_m BETWEEN 0 AND 5000),
      -- The place widened by its radius, as a box: what the spatial index finds candidates by.
      reach geometry(Polygon, 4326) NOT NULL,
      locality text,
      municipality_code {MUNICIPALITY.format("municipality_code")},
      channels jsonb NOT NULL,
      quiet_start time,
      quiet_end time,
      created_at timestamptz NOT NULL,
      confirmed_at timestamptz,
      unsubscribed_at timestamptz,
      CHECK (email IS NOT NULL OR phone IS NOT NULL)
    )
    """,
    "CREATE INDEX ix_subscription_reach ON subscription USING gist (reach)",
    "CREATE INDEX ix_subscription_email ON subscription (email)",
    "CREATE INDEX ix_subscription_phone ON subscription (phone)",
    "CREATE INDEX ix_subscription_status_created ON subscription (status, created_at)",
    f"""
    CREATE TABLE stakeholder (
      id uuid PRIMARY KEY,
      municipality_code {MUNICIPALITY.format("municipality_code")} NOT NULL,
      key text NOT NULL,
      name text NOT NULL,
      kind text NOT NULL {
        _one_of(
            "kind",
            "school business association housing_company municipal_department police",
        )
    },
      categories text[] NOT NULL DEFAULT '{{}}',
      area geometry(MultiPolygon, 4326),
      language text NOT NULL {_one_of("language", "sv en")},
      created_by text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CONSTRAINT uq_stakeholder_municipality_key UNIQUE (municipality_code, key)
    )
    """,
    "CREATE INDEX ix_stakeholder_area ON stakeholder USING gist (area)",
    f"""
    CREATE TABLE stakeholder_contact (
      id uuid PRIMARY KEY,
      stakeholder_id uuid NOT NULL REFERENCES stakeholder (id) ON DELETE CASCADE,
      name text NOT NULL,
      role text,
      email text,
      phone text,
      channel text NOT NULL {_one_of("channel", "email sms")},
      topics text[] NOT NULL,
      opted_out_at timestamptz,
      created_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX ix_stakeholder_contact_stakeholder ON stakeholder_contact (stakeholder_id)",
    f"""
    CREATE TABLE webhook (
      id uuid PRIMARY KEY,
      municipality_code {MUNICIPALITY.format("municipality_code")} NOT NULL,
      url text NOT NULL,
      event_types text[] NOT NULL,
      description text,
      secret text NOT NULL,
      active boolean NOT NULL DEFAULT true,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX ix_webhook_municipality ON webhook (municipality_code)",
    f"""
    CREATE TABLE message (
      id uuid PRIMARY KEY,
      event_id text NOT NULL,
      event_type text NOT NULL,
      kind text NOT NULL,
      topic text,
      municipality_code {MUNICIPALITY.format("municipality_code")},
      subject text NOT NULL,
      plan_id uuid,
      payload jsonb NOT NULL,
      created_by text,
      created_at timestamptz NOT NULL,
      CONSTRAINT uq_message_event_id UNIQUE (event_id)
    )
    """,
    "CREATE INDEX ix_message_plan ON message (plan_id)",
    "CREATE INDEX ix_message_subject ON message (subject)",
    f"""
    CREATE TABLE notification (
      id uuid PRIMARY KEY,
      -- No foreign key: one would check each of a 100,000-row fan-out row by row, costing as
      -- much as the fan-out itself. Notifications are only ever written for a message just
      -- written, and messages are never deleted.
      message_id uuid NOT NULL,
      event_id text NOT NULL,
      municipality_code {MUNICIPALITY.format("municipality_code")},
      recipient_kind text NOT NULL {_one_of("recipient_kind", "resident contact webhook")},
      recipient_id uuid,
      stakeholder_id uuid,
      channel text NOT NULL {_one_of("channel", "email sms webhook")},
      address text,
      language text NOT NULL,
      status text NOT NULL {_one_of("status", STATUSES)},
      attempts integer NOT NULL DEFAULT 0,
      attempt_budget integer NOT NULL,
      next_attempt_at timestamptz,
      last_error text,
      provider_ref text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      delivered_at timestamptz,
      -- Fan-out is idempotent: one notification per event, recipient and channel.
      CONSTRAINT uq_notification_event_recipient_channel UNIQUE (event_id, recipient_id, channel)
    )
    """,
    # The dispatcher's queue: only rows with a next attempt are in the index.
    "CREATE INDEX ix_notification_due ON notification (next_attempt_at) "
    "WHERE next_attempt_at IS NOT NULL",
    "CREATE INDEX ix_notification_message_status ON notification (message_id, status)",
    "CREATE INDEX ix_notification_recipient ON notification (recipient_id)",
    "CREATE INDEX ix_notification_stakeholder ON notification (stakeholder_id) "
    "WHERE stakeholder_id IS NOT NULL",
    f"""
    CREATE TABLE delivery_attempt (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      notification_id uuid NOT NULL REFERENCES notification (id) ON DELETE CASCADE,
      attempt integer NOT NULL,
      outcome text NOT NULL {_one_of("outcome", STATUSES)},
      detail text,
      provider_ref text,
      started_at timestamptz NOT NULL,
      finished_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX ix_delivery_attempt_notification ON delivery_attempt (notification_id)",
    f"""
    CREATE TABLE cap_alert (
      id uuid PRIMARY KEY,
      identifier text NOT NULL UNIQUE,
      municipality_code {MUNICIPALITY.format("municipality_code")} NOT NULL,
      plan_id uuid NOT NULL,
      revision integer NOT NULL,
      msg_type text NOT NULL {_one_of("msg_type", "Alert Update Cancel")},
      headline text NOT NULL,
      sent timestamptz NOT NULL,
      "references" text,
      document text NOT NULL
    )
    """,
    "CREATE INDEX ix_cap_alert_municipality_sent ON cap_alert (municipality_code, sent)",
    "CREATE INDEX ix_cap_alert_plan ON cap_alert (plan_id)",
    """
    CREATE TABLE rate_limit (
      bucket text NOT NULL,
      window_start timestamptz NOT NULL,
      hits integer NOT NULL,
      CONSTRAINT pk_rate_limit PRIMARY KEY (bucket, window_start)
    )
    """,
]

IDEMPOTENCY_KEY = """
CREATE TABLE idempotency_key (
  subject text NOT NULL,
  route text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  response_status integer,
  response_body jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT pk_idempotency_key PRIMARY KEY (subject, route, key)
)
"""


def upgrade() -> None:
    for statement in TABLES:
        op.execute(statement)
    op.execute(QUIET_UNTIL)
    op.execute(IDEMPOTENCY_KEY)
    op.execute("CREATE INDEX ix_idempotency_key_created_at ON idempotency_key (created_at)")


def downgrade() -> None:
    op.execute("DROP TABLE idempotency_key")
    op.execute("DROP FUNCTION notify_quiet_until(time, time, timestamptz)")
    for table in (
        "rate_limit",
        "cap_alert",
        "delivery_attempt",
        "notification",
        "message",
        "webhook",
        "stakeholder_contact",
        "stakeholder",
        "subscription",
    ):
        op.execute(f"DROP TABLE {table}")
