"""Patrol rounds told to residents, each place at most once a day.

- `round_place_told`: one row per municipality, hot spot and day whose residents were told of
  a round; a second round at the same place on the same day tells no one again.
- `message.told_data`: what residents' messages are rendered from where they are told less
  than the event says (the places not told of before that day); integrators' webhooks still
  get the event as it came.

Revision ID: notify0005
Revises: notify0004
"""

from alembic import op

revision = "notify0005"
down_revision = "notify0004"
branch_labels = None
depends_on = None

ROUND_PLACE_TOLD = """
CREATE TABLE round_place_told (
  municipality_code varchar(4) NOT NULL CHECK (municipality_code ~ '^[0-9]{4}$'),
  hot_spot_id uuid NOT NULL,
  day date NOT NULL,
  event_id text NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT pk_round_place_told PRIMARY KEY (municipality_code, hot_spot_id, day)
)
"""


def upgrade() -> None:
    op.execute(ROUND_PLACE_TOLD)
    op.execute("ALTER TABLE message ADD COLUMN told_data jsonb")


def downgrade() -> None:
    op.execute("ALTER TABLE message DROP COLUMN told_data")
    op.execute("DROP TABLE round_place_told")
