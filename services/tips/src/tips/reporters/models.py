"""The table of designated reporters (rapportörer) of partner organisations."""

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import moment_field


class Reporter(SQLModel, table=True):
    """A token subject allowed to report for an organisation in a municipality."""

    __tablename__ = "reporter"
    __table_args__ = (UniqueConstraint("municipality_code", "subject"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    municipality_code: str
    # The `sub` of the reporter's access token.
    subject: str
    organisation_key: str
    organisation_name: str
    kind: str
    active: bool = True
    created_by: str
    created_at: datetime = moment_field(nullable=False)
