"""Citizens' promises (medborgarlöften), their commitments, counted activities and follow-ups.

Revision ID: patrols0004
Revises: patrols0003
"""

from alembic import op

revision = "patrols0004"
down_revision = "patrols0003"
branch_labels = None
depends_on = None

TABLES = [
    """
    CREATE TABLE promise (
      id uuid NOT NULL,
      municipality_code varchar NOT NULL,
      police_area varchar NOT NULL,
      title varchar NOT NULL,
      period_start date NOT NULL,
      period_end date NOT NULL,
      focus_areas jsonb NOT NULL,
      status varchar NOT NULL,
      signed_at timestamptz,
      created_by varchar NOT NULL,
      created_at timestamptz NOT NULL,
      CONSTRAINT pk_promise PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX ix_promise_municipality_period ON promise (municipality_code, period_start)",
    """
    CREATE TABLE commitment (
      id uuid NOT NULL,
      promise_id uuid NOT NULL,
      title varchar NOT NULL,
      description varchar,
      indicator varchar NOT NULL,
      params jsonb NOT NULL,
      target integer,
      position integer NOT NULL,
      CONSTRAINT pk_commitment PRIMARY KEY (id),
      CONSTRAINT fk_commitment_promise_id_promise FOREIGN KEY (promise_id) REFERENCES promise (id)
    )
    """,
    "CREATE INDEX ix_commitment_promise ON commitment (promise_id, position)",
    """
    CREATE TABLE promise_activity (
      id uuid NOT NULL,
      commitment_id uuid NOT NULL,
      key varchar NOT NULL,
      event_id varchar,
      kind varchar NOT NULL,
      occurred_at timestamptz NOT NULL,
      title varchar NOT NULL,
      link varchar,
      amount integer NOT NULL,
      created_at timestamptz NOT NULL,
      CONSTRAINT pk_promise_activity PRIMARY KEY (id),
      CONSTRAINT uq_promise_activity_commitment_id UNIQUE (commitment_id, key),
      CONSTRAINT fk_promise_activity_commitment_id_commitment
        FOREIGN KEY (commitment_id) REFERENCES commitment (id)
    )
    """,
    """
    CREATE INDEX ix_promise_activity_commitment_occurred
    ON promise_activity (commitment_id, occurred_at)
    """,
    """
    CREATE TABLE promise_follow_up (
      id uuid NOT NULL,
      promise_id uuid NOT NULL,
      summary varchar,
      figures jsonb NOT NULL,
      created_by varchar NOT NULL,
      created_at timestamptz NOT NULL,
      CONSTRAINT pk_promise_follow_up PRIMARY KEY (id),
      CONSTRAINT fk_promise_follow_up_promise_id_promise
        FOREIGN KEY (promise_id) REFERENCES promise (id)
    )
    """,
    "CREATE INDEX ix_promise_follow_up_promise ON promise_follow_up (promise_id, created_at)",
]

DROPPED = ["promise_follow_up", "promise_activity", "commitment", "promise"]


def upgrade() -> None:
    for statement in TABLES:
        op.execute(statement)


def downgrade() -> None:
    for table in DROPPED:
        op.execute(f"DROP TABLE {table}")
