"""The trace a notification was created in, so its delivery continues that trace.

- `notification.traceparent`: the W3C traceparent of the span the notification was created in
  (the consumer's, for a fanned-out event; the request's, for a direct message).

Revision ID: notify0006
Revises: notify0005
"""

from alembic import op

revision = "notify0006"
down_revision = "notify0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE notification ADD COLUMN traceparent text")


def downgrade() -> None:
    op.execute("ALTER TABLE notification DROP COLUMN traceparent")
