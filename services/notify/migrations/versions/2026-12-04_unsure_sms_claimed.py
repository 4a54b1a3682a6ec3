"""Unsure SMS are claimed with the others (and looked up at the gateway), no longer given up by
a query of their own: the index that query used goes.

Revision ID: notify0007
Revises: notify0006
"""

from alembic import op

revision = "notify0007"
down_revision = "notify0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX ix_notification_sms_sending")


def downgrade() -> None:
    op.execute(
        "CREATE INDEX ix_notification_sms_sending ON notification (next_attempt_at) "
        "WHERE status = 'sending' AND channel = 'sms'"
    )
