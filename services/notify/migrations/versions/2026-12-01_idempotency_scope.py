"""Stored responses record whose they are and what they hold, so replays stay within both.

Revision ID: notify0004
Revises: notify0003
"""

from shared import idempotency

revision = "notify0004"
down_revision = "notify0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    idempotency.add_scope_columns()


def downgrade() -> None:
    idempotency.drop_scope_columns()
