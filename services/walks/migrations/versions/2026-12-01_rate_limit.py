"""The rate_limit table: per-client counts of requests to the public routes.

Revision ID: walks0005
Revises: walks0004
"""

from shared import ratelimit

revision = "walks0005"
down_revision = "walks0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ratelimit.create_table()


def downgrade() -> None:
    ratelimit.drop_table()
