"""Walks, participants, observations and their taxonomy, protocols, action plans and measures.

Revision ID: walks0002
Revises: walks0001
"""

from alembic import op

revision = "walks0002"
down_revision = "walks0001"
branch_labels = None
depends_on = None


def _one_of(column: str, values: str) -> str:
    return f"CHECK ({column} IN ({', '.join(repr(v) for v in values.split())}))"


TABLES = [
    f"""
    CREATE TABLE walk (
      id uuid PRIMARY KEY,
      municipality_code varchar(4) NOT NULL CHECK (municipality_code ~ '^[0-9]{{4}}$'),
      locality text NOT NULL,
      title text NOT NULL,
      public_description text,
      area geometry(Polygon, 4326) NOT NULL,
      route geometry(LineString, 4326),
      stops jsonb NOT NULL DEFAULT '[]',
      meeting_place text NOT NULL,
      meeting_point geometry(Point, 4326) NOT NULL,
      starts_at timestamptz NOT NULL,
      light_condition text NOT NULL {_one_of("light_condition", "daylight after_dark")},
      pre_meeting_date date,
      closing_meeting_date date,
      status text NOT NULL
        {_one_of("status", "planned conducted protocol_published followed_up")},
      follows_up_walk_id uuid REFERENCES walk (id),
      conducted_at timestamptz,
      protocol_published_at timestamptz,
      followed_up_at timestamptz,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX ix_walk_municipality_starts ON walk (municipality_code, starts_at)",
    "CREATE INDEX ix_walk_area ON walk USING gist (area)",
    "CREATE INDEX ix_walk_follows_up ON walk (follows_up_walk_id)",
    f"""
    CREATE TABLE participant (
      id uuid PRIMARY KEY,
      walk_id uuid NOT NULL REFERENCES walk (id) ON DELETE CASCADE,
      role text NOT NULL {
        _one_of(
            "role",
            "resident police municipal_official politician "
            "property_owner business school association youth",
        )
    },
      name text,
      organisation text,
      contact_consent boolean NOT NULL DEFAULT false,
      consent_recorded_at timestamptz,
      email text,
      phone text,
      created_at timestamptz NOT NULL,
      -- Contact details are kept only with recorded consent.
      CONSTRAINT ck_participant_contact_needs_consent
        CHECK (contact_consent OR (email IS NULL AND phone IS NULL))
    )
    """,
    "CREATE INDEX ix_participant_walk ON participant (walk_id)",
    f"""
    CREATE TABLE observation (
      id uuid PRIMARY KEY,
      walk_id uuid NOT NULL REFERENCES walk (id),
      location geometry(Point, 4326) NOT NULL,
      category text NOT NULL,
      sentiment text NOT NULL {_one_of("sentiment", "positive negative")},
      severity text {_one_of("severity", "low medium high")},
      description text NOT NULL,
      observed_at timestamptz,
      light text {_one_of("light", "daylight twilight dark")},
      perspectives jsonb NOT NULL DEFAULT '[]',
      photos jsonb NOT NULL DEFAULT '[]',
      created_by text NOT NULL,
      created_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX ix_observation_walk ON observation (walk_id)",
    "CREATE INDEX ix_observation_location ON observation USING gist (location)",
    """
    CREATE TABLE observation_category (
      municipality_code varchar(4) NOT NULL,
      code text NOT NULL,
      label text NOT NULL,
      active boolean NOT NULL DEFAULT true,
      updated_at timestamptz NOT NULL,
      CONSTRAINT pk_observation_category PRIMARY KEY (municipality_code, code)
    )
    """,
    """
    CREATE TABLE protocol (
      walk_id uuid PRIMARY KEY REFERENCES walk (id),
      summary text NOT NULL,
      closing_meeting_notes text,
      document jsonb NOT NULL,
      published_by text NOT NULL,
      published_at timestamptz NOT NULL
    )
    """,
    f"""
    CREATE TABLE action_plan (
      id uuid PRIMARY KEY,
      municipality_code varchar(4) NOT NULL CHECK (municipality_code ~ '^[0-9]{{4}}$'),
      locality text NOT NULL,
      title text NOT NULL,
      public_summary text NOT NULL,
      walk_id uuid REFERENCES walk (id),
      affected_area geometry(MultiPolygon, 4326) NOT NULL,
      buffer_m integer NOT NULL CHECK (buffer_m BETWEEN 0 AND 5000),
      status text NOT NULL {_one_of("status", "draft published withdrawn")},
      revision integer NOT NULL DEFAULT 0,
      revision_note text,
      published_at timestamptz,
      revised_at timestamptz,
      withdrawn_at timestamptz,
      withdrawal_reason text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX ix_action_plan_municipality ON action_plan (municipality_code, created_at)",
    "CREATE INDEX ix_action_plan_walk ON action_plan (walk_id)",
    "CREATE INDEX ix_action_plan_area ON action_plan USING gist (affected_area)",
    f"""
    CREATE TABLE measure (
      id uuid PRIMARY KEY,
      plan_id uuid NOT NULL REFERENCES action_plan (id) ON DELETE CASCADE,
      title text NOT NULL,
      description text,
      responsible_key text NOT NULL,
      responsible_name text NOT NULL,
      priority text NOT NULL {_one_of("priority", "high medium low")},
      due_date date,
      category text,
      status text NOT NULL {_one_of("status", "proposed accepted in_progress done rejected")},
      status_reason text,
      status_changed_at timestamptz,
      observation_ids jsonb NOT NULL DEFAULT '[]',
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CONSTRAINT ck_measure_rejected_has_reason
        CHECK (status <> 'rejected' OR status_reason IS NOT NULL)
    )
    """,
    "CREATE INDEX ix_measure_plan ON measure (plan_id)",
    # Overdue lists: open measures by deadline.
    "CREATE INDEX ix_measure_open_due ON measure (due_date) "
    "WHERE status IN ('proposed', 'accepted', 'in_progress')",
    "CREATE INDEX ix_measure_responsible ON measure (responsible_key)",
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
    op.execute(IDEMPOTENCY_KEY)
    op.execute("CREATE INDEX ix_idempotency_key_created_at ON idempotency_key (created_at)")


def downgrade() -> None:
    op.execute("DROP TABLE idempotency_key")
    for table in ("measure", "action_plan", "protocol", "observation_category"):
        op.execute(f"DROP TABLE {table}")
    for table in ("observation", "participant", "walk"):
        op.execute(f"DROP TABLE {table}")
