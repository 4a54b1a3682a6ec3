"""Stored responses record whose they are and what they hold, so replays stay within both.

Revision ID: notify0004
Revises: notify0003
"""

from alembic import op

revision = "notify0004"
down_revision = "notify0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Responses stored before have no municipality: they are replayed to no one.
    op.execute(
        "ALTER TABLE idempotency_key ADD COLUMN municipality_code text, "
        "ADD COLUMN resource_ids text[] NOT NULL DEFAULT '{}', ADD COLUMN erased_at timestamptz"
    )
    op.execute(
        "CREATE INDEX ix_idempotency_key_resource_ids ON idempotency_key USING gin (resource_ids)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_idempotency_key_resource_ids")
    op.execute(
        "ALTER TABLE idempotency_key DROP COLUMN erased_at, DROP COLUMN resource_ids, "
        "DROP COLUMN municipality_code"
    )
