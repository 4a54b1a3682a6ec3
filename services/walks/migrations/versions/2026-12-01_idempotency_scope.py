"""Stored responses record whose they are and what they hold, so replays stay within both.

Revision ID: walks0003
Revises: walks0002
"""

from alembic import op

revision = "walks0003"
down_revision = "walks0002"
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
