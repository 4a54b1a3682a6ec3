"""The rate_limit table: per-client counts of requests to the public routes.

Revision ID: walks0004
Revises: walks0003
"""

from shared import ratelimit

revision = "walks0004"
down_revision = "walks0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ratelimit.create_table()


def downgrade() -> None:
    ratelimit.drop_table()
