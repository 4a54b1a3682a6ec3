"""The rate_limit table: per-client counts of requests to the public routes.

Revision ID: patrols0005
Revises: patrols0004
"""

from alembic import op

revision = "patrols0005"
down_revision = "patrols0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE rate_limit (
          bucket text NOT NULL,
          window_start timestamptz NOT NULL,
          hits integer NOT NULL,
          CONSTRAINT pk_rate_limit PRIMARY KEY (bucket, window_start)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE rate_limit")
