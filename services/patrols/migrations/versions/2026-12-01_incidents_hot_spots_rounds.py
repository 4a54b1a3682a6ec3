"""Incidents, designated hot spots, patrol rounds and their visits; stored responses.

Revision ID: patrols0002
Revises: patrols0001
"""

from alembic import op

revision = "patrols0002"
down_revision = "patrols0001"
branch_labels = None
depends_on = None

TABLES = [
    """
    CREATE TABLE incident (
      id uuid NOT NULL,
      municipality_code varchar NOT NULL,
      source varchar NOT NULL,
      external_id varchar NOT NULL,
      category varchar NOT NULL,
      occurred_at timestamptz NOT NULL,
      location geometry(POINT, 4326),
      locality varchar,
      reported_by varchar NOT NULL,
      submission_hash varchar NOT NULL,
      created_at timestamptz NOT NULL,
      CONSTRAINT pk_incident PRIMARY KEY (id),
      CONSTRAINT uq_incident_municipality_code UNIQUE (municipality_code, source, external_id)
    )
    """,
    "CREATE INDEX ix_incident_municipality_occurred ON incident (municipality_code, occurred_at)",
    "CREATE INDEX ix_incident_location ON incident USING gist (location)",
    """
    CREATE TABLE hot_spot (
      id uuid NOT NULL,
      municipality_code varchar NOT NULL,
      name varchar NOT NULL,
      cell_size_m integer NOT NULL,
      cell_east integer NOT NULL,
      cell_north integer NOT NULL,
      area geometry(POLYGON, 4326) NOT NULL,
      locality varchar,
      reason varchar NOT NULL,
      period_start date NOT NULL,
      period_end date NOT NULL,
      ranking jsonb NOT NULL,
      designated_by varchar NOT NULL,
      designated_at timestamptz NOT NULL,
      retired_at timestamptz,
      retired_by varchar,
      retire_reason varchar,
      CONSTRAINT pk_hot_spot PRIMARY KEY (id)
    )
    """,
    """
    CREATE UNIQUE INDEX uq_hot_spot_active_cell
    ON hot_spot (municipality_code, cell_size_m, cell_east, cell_north)
    WHERE retired_at IS NULL
    """,
    "CREATE INDEX ix_hot_spot_area ON hot_spot USING gist (area)",
    """
    CREATE TABLE patrol_round (
      id uuid NOT NULL,
      municipality_code varchar NOT NULL,
      unit varchar NOT NULL,
      shift_start timestamptz NOT NULL,
      shift_end timestamptz NOT NULL,
      status varchar NOT NULL,
      rules jsonb NOT NULL,
      seed integer NOT NULL,
      created_by varchar NOT NULL,
      created_at timestamptz NOT NULL,
      started_at timestamptz,
      completed_at timestamptz,
      CONSTRAINT pk_patrol_round PRIMARY KEY (id)
    )
    """,
    """
    CREATE INDEX ix_patrol_round_municipality_shift
    ON patrol_round (municipality_code, shift_start)
    """,
    """
    CREATE TABLE visit (
      id uuid NOT NULL,
      round_id uuid NOT NULL,
      hot_spot_id uuid NOT NULL,
      sequence integer NOT NULL,
      planned_arrival timestamptz NOT NULL,
      planned_departure timestamptz NOT NULL,
      status varchar NOT NULL,
      checked_in_at timestamptz,
      checked_out_at timestamptz,
      activity varchar,
      observations jsonb NOT NULL,
      CONSTRAINT pk_visit PRIMARY KEY (id),
      CONSTRAINT fk_visit_round_id_patrol_round FOREIGN KEY (round_id) REFERENCES patrol_round (id),
      CONSTRAINT fk_visit_hot_spot_id_hot_spot FOREIGN KEY (hot_spot_id) REFERENCES hot_spot (id)
    )
    """,
    "CREATE INDEX ix_visit_round ON visit (round_id, sequence)",
    "CREATE INDEX ix_visit_hot_spot ON visit (hot_spot_id)",
    """
    CREATE TABLE idempotency_key (
      subject text NOT NULL,
      route text NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      response_status integer,
      response_body jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      municipality_code text,
      resource_ids text[] NOT NULL DEFAULT '{}',
      erased_at timestamptz,
      CONSTRAINT pk_idempotency_key PRIMARY KEY (subject, route, key)
    )
    """,
    "CREATE INDEX ix_idempotency_key_created_at ON idempotency_key (created_at)",
    "CREATE INDEX ix_idempotency_key_resource_ids ON idempotency_key USING gin (resource_ids)",
]

DROPPED = ["idempotency_key", "visit", "patrol_round", "hot_spot", "incident"]


def upgrade() -> None:
    for statement in TABLES:
        op.execute(statement)


def downgrade() -> None:
    for table in DROPPED:
        op.execute(f"DROP TABLE {table}")
