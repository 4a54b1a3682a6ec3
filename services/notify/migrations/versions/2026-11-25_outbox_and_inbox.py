"""The outbox and the inbox.

Revision ID: notify0001
Revises:
"""

from alembic import op

# As this revision created them; later changes to the outbox or inbox are migrations of their own.
OUTBOX = """
CREATE TABLE outbox (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  id uuid NOT NULL,
  aggregatetype varchar NOT NULL,
  aggregateid varchar NOT NULL,
  type varchar NOT NULL,
  payload jsonb NOT NULL,
  traceparent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  CONSTRAINT pk_outbox PRIMARY KEY (seq),
  CONSTRAINT uq_outbox_id UNIQUE (id)
)
"""
NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox', '');
  RETURN NULL;
END $$;
"""
# One notification per statement: a thousand-row insert wakes the relay once.
NOTIFY_TRIGGER = """
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
"""
INBOX = """
CREATE TABLE inbox (
  source varchar NOT NULL,
  id varchar NOT NULL,
  type varchar NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT pk_inbox PRIMARY KEY (source, id)
)
"""

revision = "notify0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute(OUTBOX)
    op.execute("CREATE INDEX ix_outbox_unpublished ON outbox (seq) WHERE published_at IS NULL")
    op.execute("CREATE INDEX ix_outbox_published_at ON outbox (published_at)")
    op.execute(NOTIFY_FUNCTION)
    op.execute(NOTIFY_TRIGGER)
    op.execute(INBOX)


def downgrade() -> None:
    op.execute("DROP TABLE inbox")
    op.execute("DROP TABLE outbox")
    op.execute("DROP FUNCTION outbox_notify()")
