"""Request and response models of citizen dialogues and what residents raised at them."""

import uuid
from datetime import date, datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from shared import geo
from shared.dates import Day
from tips.fields import CategoryCode, Input, Language, LongText, ShortText
from tips.tips.schemas import Answer, OptionKey, TipSubmit

DIALOGUE_EXAMPLE: dict[str, Any] = {
    "title": "Medborgardialog i Forsheda bygdegård",
    "held_on": "2026-11-24",
    "locality": "Forsheda",
    "attendees": 34,
}


class DialogueCreate(Input):
    """A citizen dialogue (medborgardialog): a meeting where residents raised concerns."""

    model_config = ConfigDict(json_schema_extra={"examples": [DIALOGUE_EXAMPLE]})

    title: ShortText
    held_on: Day
    locality: ShortText | None = None
    location: geo.Point | None = None
    attendees: StrictInt | None = Field(default=None, ge=0, le=100_000)


class DialogueRead(BaseModel):
    id: uuid.UUID
    municipality_code: str
    title: str
    held_on: date
    locality: str | None
    location: geo.Point | None
    attendees: int | None
    inputs: int = Field(description="How many input items were recorded from the dialogue.")
    created_at: datetime


INPUT_EXAMPLE: dict[str, Any] = {
    "category": "unsafe_place",
    "description": "Flera tog upp att busshållplatsen vid torget är mörk på kvällarna.",
    "locality": "Forsheda",
    "answers": {"why": ["lighting"]},
}


class DialogueInput(Input):
    """One thing residents raised, as staff wrote it down: no names of those who said it."""

    model_config = ConfigDict(json_schema_extra={"examples": [INPUT_EXAMPLE]})

    id: uuid.UUID | None = Field(
        default=None, description="Chosen by the client, so a retry creates nothing twice."
    )
    category: CategoryCode
    description: LongText
    location: geo.Point | None = None
    address: ShortText | None = None
    locality: ShortText | None = None
    answers: dict[OptionKey, Answer] = Field(default_factory=dict, max_length=20)
    language: Language = "sv"

    @model_validator(mode="after")
    def _has_a_place(self) -> Self:
        if self.location is None and self.address is None and self.locality is None:
            raise ValueError("give a location, an address or a locality")
        return self

    def as_tip(self) -> TipSubmit:
        return TipSubmit.model_validate(self.model_dump())


class InputRead(BaseModel):
    id: uuid.UUID
    dialogue_id: uuid.UUID
    category: str
    status: str
    created_at: datetime
