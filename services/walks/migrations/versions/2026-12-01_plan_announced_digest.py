"""What an action plan last told those affected, so a revision that tells nothing new is refused.

Revision ID: walks0004
Revises: walks0003
"""

from alembic import op

revision = "walks0004"
down_revision = "walks0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plans published before this column have none: their next revision is taken as news.
    op.execute("ALTER TABLE action_plan ADD COLUMN announced_digest text")


def downgrade() -> None:
    op.execute("ALTER TABLE action_plan DROP COLUMN announced_digest")
