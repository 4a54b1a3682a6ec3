"""The outbox and the inbox.

Revision ID: notify0001
Revises:
"""

from shared.migrations import create_outbox_and_inbox, drop_outbox_and_inbox

revision = "notify0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_and_inbox()


def downgrade() -> None:
    drop_outbox_and_inbox()
