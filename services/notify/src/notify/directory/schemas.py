"""Request and response models of the stakeholder directory (staff): organisations, contacts."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from notify.domain import Language, StakeholderKind, Topic
from notify.fields import (
    Email,
    Input,
    MunicipalityCode,
    PersonalChannel,
    Phone,
    ShortText,
    StakeholderKey,
)
from shared import geo
from shared.geo import FromDB
from shared.pagination import Page

Category = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$", examples=["lighting"])]
ALL_TOPICS = list(Topic)

CONTACT_EXAMPLE: dict[str, Any] = {
    "name": "Rektor Forshedaskolan",
    "role": "rektor",
    "email": "rektor.forsheda@example.se",
    "channel": "email",
}
STAKEHOLDER_EXAMPLE: dict[str, Any] = {
    "municipality_code": "0683",
    "key": "dept:0683:GATA",
    "name": "Värnamo kommun, gatuavdelningen",
    "kind": "municipal_department",
    "categories": ["lighting", "access_paths"],
    "area": {
        "type": "Polygon",
        "coordinates": [
            [[13.81, 57.15], [13.84, 57.15], [13.84, 57.17], [13.81, 57.17], [13.81, 57.15]]
        ],
    },
    "contacts": [CONTACT_EXAMPLE],
}


class ContactCreate(Input):
    """Someone at the organisation who is told, by email or SMS."""

    model_config = ConfigDict(json_schema_extra={"examples": [CONTACT_EXAMPLE]})

    name: ShortText
    role: ShortText | None = None
    email: Email | None = None
    phone: Phone | None = None
    channel: PersonalChannel
    topics: list[Topic] = Field(default_factory=lambda: list(ALL_TOPICS), max_length=10)


class ContactRead(BaseModel):
    id: uuid.UUID
    name: str
    role: str | None
    email: str | None
    phone: str | None
    channel: str
    topics: list[str]
    opted_out_at: datetime | None


class StakeholderDetails(Input):
    name: ShortText
    kind: StakeholderKind
    categories: list[Category] = Field(
        default_factory=list,
        max_length=50,
        description="Observation categories the organisation answers for; it hears of plans "
        "in its area only when a measure has one of them. Empty: every plan in its area.",
    )
    area: geo.Area | None = Field(default=None, description="Its area of responsibility.")
    language: Language = Language.SV


class StakeholderCreate(StakeholderDetails):
    """An organisation with an area of responsibility, and the contacts it is told through."""

    model_config = ConfigDict(json_schema_extra={"examples": [STAKEHOLDER_EXAMPLE]})

    municipality_code: MunicipalityCode
    key: StakeholderKey
    contacts: list[ContactCreate] = Field(default_factory=list, max_length=50)


class StakeholderChange(Input):
    """Changes to a stakeholder; fields left out stay as they are, `area: null` removes it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"categories": ["lighting"]}]})

    name: ShortText | None = None
    kind: StakeholderKind | None = None
    categories: list[Category] | None = Field(default=None, max_length=50)
    area: geo.Area | None = None
    language: Language | None = None

    @field_validator("name", "kind", "categories", "language")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not set to null")
        return value


class StakeholderRead(BaseModel):
    id: uuid.UUID
    municipality_code: str
    key: str
    name: str
    kind: StakeholderKind
    categories: list[str]
    area: Annotated[geo.MultiPolygon | None, FromDB]
    language: Language
    contacts: list[ContactRead]
    created_at: datetime
    updated_at: datetime


StakeholderPage = Page[StakeholderRead]
