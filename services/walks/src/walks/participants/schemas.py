"""Request and response models of a walk's participants."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.pagination import Page
from walks import examples
from walks.domain import ParticipantRole
from walks.fields import Email, Input, Phone, ShortText, absent, refuse_null
from walks.participants.models import Participant


class ContactCreate(BaseModel):
    """How to reach a participant: kept only because they agreed to it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"anyOf": [{"required": ["email"]}, {"required": ["phone"]}]},
    )

    consent: Literal[True] = Field(
        description="The participant agreed to be contacted about this walk and its follow-up."
    )
    email: Email | None = absent()
    phone: Phone | None = absent()
    _not_null = field_validator("email", "phone")(refuse_null)

    @model_validator(mode="after")
    def _some_way_to_reach(self) -> "ContactCreate":
        if self.email is None and self.phone is None:
            raise ValueError("give an email address, a phone number or both")
        return self


class ParticipantCreate(Input):
    """Someone taking part, by role; a name only if they want it in the internal protocol."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.PARTICIPANT]})

    role: ParticipantRole
    name: ShortText | None = None
    organisation: ShortText | None = None
    contact: ContactCreate | None = Field(
        default=None, description="Only with the participant's consent; erased on withdrawal."
    )


class ContactRead(BaseModel):
    email: str | None
    phone: str | None
    consent_recorded_at: datetime


class ParticipantRead(BaseModel):
    id: uuid.UUID
    walk_id: uuid.UUID
    role: ParticipantRole
    name: str | None
    organisation: str | None
    contact: ContactRead | None
    created_at: datetime


ParticipantPage = Page[ParticipantRead]


def participant_read(participant: Participant) -> ParticipantRead:
    contact = (
        ContactRead(
            email=participant.email,
            phone=participant.phone,
            consent_recorded_at=participant.consent_recorded_at,
        )
        if participant.contact_consent and participant.consent_recorded_at
        else None
    )
    return ParticipantRead.model_validate(
        {**participant.model_dump(include=PARTICIPANT_FIELDS), "contact": contact}
    )


PARTICIPANT_FIELDS = {"id", "walk_id", "role", "name", "organisation", "created_at"}
