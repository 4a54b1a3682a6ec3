"""When a message owed to a tipster is next handed to notify: back-off between tries, and the
lease of the worker handing it over.

Revision ID: tips0006
Revises: tips0002
"""

from alembic import op

revision = "tips0006"
down_revision = "tips0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE tip_feedback ADD COLUMN next_attempt_at timestamptz")


def downgrade() -> None:
    op.execute("ALTER TABLE tip_feedback DROP COLUMN next_attempt_at")
