"""Tips, their categories, contacts, photos, reporters, dialogues, notes, audit and feedback;
stored responses and rate-limit counts of the routes.

Revision ID: tips0002
Revises: tips0001
"""

from alembic import op

revision = "tips0002"
down_revision = "tips0001"
branch_labels = None
depends_on = None

TABLES = [
    """
    CREATE TABLE category (
      municipality_code varchar NOT NULL,
      code varchar NOT NULL,
      parent_code varchar,
      name_sv varchar NOT NULL,
      name_en varchar,
      description_sv varchar,
      description_en varchar,
      notice_sv varchar,
      notice_en varchar,
      divert varchar,
      restricted boolean NOT NULL,
      position integer NOT NULL,
      active boolean NOT NULL,
      questions jsonb NOT NULL,
      updated_at timestamptz NOT NULL,
      CONSTRAINT pk_category PRIMARY KEY (municipality_code, code)
    )
    """,
    """
    CREATE TABLE reporter (
      id uuid NOT NULL,
      municipality_code varchar NOT NULL,
      subject varchar NOT NULL,
      organisation_key varchar NOT NULL,
      organisation_name varchar NOT NULL,
      kind varchar NOT NULL,
      active boolean NOT NULL,
      created_by varchar NOT NULL,
      created_at timestamptz NOT NULL,
      CONSTRAINT pk_reporter PRIMARY KEY (id),
      CONSTRAINT uq_reporter_municipality_code UNIQUE (municipality_code, subject)
    )
    """,
    """
    CREATE TABLE dialogue (
      id uuid NOT NULL,
      municipality_code varchar NOT NULL,
      title varchar NOT NULL,
      held_on date NOT NULL,
      locality varchar,
      location geometry(POINT, 4326),
      attendees integer,
      created_by varchar NOT NULL,
      created_at timestamptz NOT NULL,
      CONSTRAINT pk_dialogue PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX ix_dialogue_municipality_held ON dialogue (municipality_code, held_on)",
    """
    CREATE TABLE tip (
      id uuid NOT NULL,
      municipality_code varchar NOT NULL,
      category_code varchar NOT NULL,
      source varchar NOT NULL,
      description varchar,
      redacted_description varchar,
      answers jsonb NOT NULL,
      location geometry(POINT, 4326),
      address varchar,
      address_id varchar,
      locality varchar,
      occurred_at timestamptz,
      language varchar NOT NULL,
      reporter_id uuid,
      organisation_key varchar,
      organisation_name varchar,
      dialogue_id uuid,
      status varchar NOT NULL,
      outcome varchar,
      public_note varchar,
      assigned_to varchar,
      restricted boolean NOT NULL,
      duplicate_of uuid,
      submission_hash varchar,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      closed_at timestamptz,
      anonymised_at timestamptz,
      CONSTRAINT pk_tip PRIMARY KEY (id),
      CONSTRAINT fk_tip_municipality_code_category
        FOREIGN KEY (municipality_code, category_code)
        REFERENCES category (municipality_code, code),
      CONSTRAINT fk_tip_reporter_id_reporter FOREIGN KEY (reporter_id) REFERENCES reporter (id),
      CONSTRAINT fk_tip_dialogue_id_dialogue FOREIGN KEY (dialogue_id) REFERENCES dialogue (id)
    )
    """,
    "CREATE INDEX ix_tip_municipality_created ON tip (municipality_code, created_at)",
    "CREATE INDEX ix_tip_location ON tip USING gist (location)",
    "CREATE INDEX ix_tip_closed_at ON tip (closed_at) WHERE anonymised_at IS NULL",
    """
    CREATE TABLE tip_contact (
      tip_id uuid NOT NULL,
      email varchar,
      phone varchar,
      consent_text varchar NOT NULL,
      consented_at timestamptz NOT NULL,
      CONSTRAINT pk_tip_contact PRIMARY KEY (tip_id),
      CONSTRAINT fk_tip_contact_tip_id_tip FOREIGN KEY (tip_id) REFERENCES tip (id)
    )
    """,
    """
    CREATE TABLE tip_photo (
      id uuid NOT NULL,
      tip_id uuid NOT NULL,
      content_type varchar NOT NULL,
      width integer NOT NULL,
      height integer NOT NULL,
      content bytea NOT NULL,
      created_at timestamptz NOT NULL,
      CONSTRAINT pk_tip_photo PRIMARY KEY (id),
      CONSTRAINT fk_tip_photo_tip_id_tip FOREIGN KEY (tip_id) REFERENCES tip (id)
    )
    """,
    "CREATE INDEX ix_tip_photo_tip ON tip_photo (tip_id)",
    """
    CREATE TABLE tip_note (
      id uuid NOT NULL,
      tip_id uuid NOT NULL,
      body varchar NOT NULL,
      author varchar NOT NULL,
      created_at timestamptz NOT NULL,
      CONSTRAINT pk_tip_note PRIMARY KEY (id),
      CONSTRAINT fk_tip_note_tip_id_tip FOREIGN KEY (tip_id) REFERENCES tip (id)
    )
    """,
    "CREATE INDEX ix_tip_note_tip ON tip_note (tip_id)",
    """
    CREATE TABLE tip_audit (
      id bigint GENERATED ALWAYS AS IDENTITY,
      tip_id uuid NOT NULL,
      municipality_code varchar NOT NULL,
      actor varchar NOT NULL,
      action varchar NOT NULL,
      detail jsonb NOT NULL,
      at timestamptz NOT NULL,
      CONSTRAINT pk_tip_audit PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX ix_tip_audit_tip ON tip_audit (tip_id, id)",
    """
    CREATE TABLE tip_feedback (
      id uuid NOT NULL,
      tip_id uuid NOT NULL,
      kind varchar NOT NULL,
      created_at timestamptz NOT NULL,
      sent_at timestamptz,
      attempts integer NOT NULL,
      last_error varchar,
      notify_message_id uuid,
      CONSTRAINT pk_tip_feedback PRIMARY KEY (id),
      CONSTRAINT fk_tip_feedback_tip_id_tip FOREIGN KEY (tip_id) REFERENCES tip (id)
    )
    """,
    "CREATE INDEX ix_tip_feedback_pending ON tip_feedback (created_at) WHERE sent_at IS NULL",
    "CREATE UNIQUE INDEX uq_tip_feedback_tip_kind ON tip_feedback (tip_id, kind)",
    """
    CREATE TABLE idempotency_key (
      subject text NOT NULL,
      route text NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      response_status integer,
      response_body jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      municipality_code text,
      resource_ids text[] NOT NULL DEFAULT '{}',
      erased_at timestamptz,
      CONSTRAINT pk_idempotency_key PRIMARY KEY (subject, route, key)
    )
    """,
    "CREATE INDEX ix_idempotency_key_created_at ON idempotency_key (created_at)",
    "CREATE INDEX ix_idempotency_key_resource_ids ON idempotency_key USING gin (resource_ids)",
    """
    CREATE TABLE rate_limit (
      bucket text NOT NULL,
      window_start timestamptz NOT NULL,
      hits integer NOT NULL,
      CONSTRAINT pk_rate_limit PRIMARY KEY (bucket, window_start)
    )
    """,
]

DROPPED = [
    "rate_limit",
    "idempotency_key",
    "tip_feedback",
    "tip_audit",
    "tip_note",
    "tip_photo",
    "tip_contact",
    "tip",
    "dialogue",
    "reporter",
    "category",
]


def upgrade() -> None:
    for statement in TABLES:
        op.execute(statement)


def downgrade() -> None:
    for table in DROPPED:
        op.execute(f"DROP TABLE {table}")
