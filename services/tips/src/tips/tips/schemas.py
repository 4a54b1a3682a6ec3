"""Request and response models of submitting a tip: by a resident, or a designated reporter."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared import geo
from shared.dates import Moment
from tips.fields import CategoryCode, Email, Input, Language, LongText, Phone, ShortText

# A question's code, or the key of one of its options.
OptionKey = Annotated[str, StringConstraints(max_length=40)]
# Free text, one option's key, or several keys.
Answer = str | Annotated[list[OptionKey], Field(max_length=20)]


class Contact(Input):
    """How to reach the tipster, given only to hear back: never shown or published."""

    email: Email | None = None
    phone: Phone | None = None
    consent: Literal[True] = Field(
        description="The tipster agrees to the consent text (`GET /public/consent`): the "
        "municipality keeps the contact to answer this tip, and deletes it with the tip."
    )

    @model_validator(mode="after")
    def _one_way_to_reach(self) -> Self:
        if self.email is None and self.phone is None:
            raise ValueError("give an email address or a phone number, or leave contact out")
        return self


TIP_EXAMPLE: dict[str, Any] = {
    "id": "3d5b8f9e-4c1a-4e2b-9f6d-2a7c8e1b0d44",
    "category": "unsafe_place",
    "description": "Gångtunneln under järnvägen är helt mörk på kvällarna.",
    "location": {"type": "Point", "coordinates": [13.8262, 57.1661]},
    "occurred_at": "2026-11-28T21:30:00+01:00",
    "answers": {"why": ["lighting"], "when_unsafe": "dark"},
}


class TipSubmit(Input):
    """A tip. Give a place as a point, an address, or a named locality."""

    model_config = ConfigDict(json_schema_extra={"examples": [TIP_EXAMPLE]})

    id: uuid.UUID | None = Field(
        default=None,
        description="Chosen by the client (a random UUID): sending the same tip again with the "
        "same id creates nothing twice.",
    )
    category: CategoryCode
    description: LongText
    location: geo.Point | None = None
    address: ShortText | None = None
    locality: ShortText | None = None
    occurred_at: Moment | None = Field(default=None, description="When it happened, if known.")
    answers: dict[OptionKey, Answer] = Field(
        default_factory=dict, max_length=20, description="Answers to the category's questions."
    )
    contact: Contact | None = None
    language: Language = "sv"

    @model_validator(mode="after")
    def _has_a_place(self) -> Self:
        if self.location is None and self.address is None and self.locality is None:
            raise ValueError("give a location, an address or a locality")
        return self


class TipReceipt(BaseModel):
    """What the tipster is told: no more than they sent, and what happens next."""

    id: uuid.UUID
    status: str
    received_at: datetime
    acknowledgement: bool = Field(description="An acknowledgement is on its way to the contact.")
    message: str
