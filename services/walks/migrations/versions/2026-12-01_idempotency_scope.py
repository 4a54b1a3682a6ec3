"""Stored responses record whose they are and what they hold, so replays stay within both.

Revision ID: walks0003
Revises: walks0002
"""

from shared import idempotency

revision = "walks0003"
down_revision = "walks0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    idempotency.add_scope_columns()


def downgrade() -> None:
    idempotency.drop_scope_columns()
