"""Situation reports: the weekly picture (lägesbild), frozen and versioned when approved.

Revision ID: patrols0003
Revises: patrols0002
"""

from alembic import op

revision = "patrols0003"
down_revision = "patrols0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE situation_report (
          id uuid NOT NULL,
          municipality_code varchar NOT NULL,
          year integer NOT NULL,
          week integer NOT NULL,
          version integer NOT NULL,
          status varchar NOT NULL,
          text varchar NOT NULL,
          figures jsonb NOT NULL,
          threshold integer NOT NULL,
          created_by varchar NOT NULL,
          created_at timestamptz NOT NULL,
          approved_by varchar,
          approved_at timestamptz,
          CONSTRAINT pk_situation_report PRIMARY KEY (id),
          CONSTRAINT uq_situation_report_municipality_code
            UNIQUE (municipality_code, year, week, version)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE situation_report")
