"""Request and response models of designated reporters."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from tips.domain import ReporterKind
from tips.fields import Input, OrganisationKey, ShortText


class ReporterCreate(Input):
    """A token subject who reports for an organisation (a rapportör)."""

    subject: ShortText = Field(description="The `sub` of the reporter's access token.")
    organisation_key: OrganisationKey
    organisation_name: ShortText
    kind: ReporterKind


class ReporterRead(BaseModel):
    id: uuid.UUID
    municipality_code: str
    subject: str
    organisation_key: str
    organisation_name: str
    kind: ReporterKind
    active: bool
    created_at: datetime
