"""Request and response models of staff's work on tips: the staff view (a GeoJSON Feature),
transitions, notes, suggested duplicates, moderation and the audit log.

The staff view shows what the tipster wrote, but of their contact only whether there is one:
contact details appear in no response of any route.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from shared import geo
from shared.pagination import Page
from tips.domain import Outcome, Source, Status
from tips.fields import Input, LongText, MediumText, text
from tips.tips.models import Tip
from tips.triage.models import TipAudit, TipNote

# Who a tip is handed to: the police, or a department of the tip's own municipality.
ASSIGNEE = r"^(police|dept:[0-9]{4}:[a-z0-9_-]{1,40})$"
Assignee = Annotated[
    str,
    Field(
        pattern=ASSIGNEE,
        description="`police`, or `dept:<municipality code>:<department code>` for a unit of "
        "the tip's municipality.",
        examples=["dept:0683:gata"],
    ),
]


@dataclass(frozen=True)
class Facts:
    """What the staff view tells of a tip's other rows: never the contact itself."""

    has_contact: bool = False
    photos: int = 0


class TipProperties(BaseModel):
    id: uuid.UUID
    municipality: str
    category: str
    source: Source
    organisation_name: str | None = Field(description="A designated reporter's organisation.")
    description: str | None = Field(
        description="What the tipster wrote: for staff only. Null once the tip is anonymised."
    )
    redacted_description: str | None = Field(
        description="The description without personal data: the only text that may be shared."
    )
    answers: dict[str, Any]
    locality: str | None
    address: str | None
    occurred_at: datetime | None
    language: str
    status: Status
    outcome: Outcome | None
    public_note: str | None = Field(description="What the public and the tipster are told.")
    assigned_to: str | None
    restricted: bool = Field(description="About offences: readable only with `tips:police`.")
    duplicate_of: uuid.UUID | None
    has_contact: bool = Field(description="The tipster left a way to be told the outcome.")
    photos: int = Field(description="How many photos the tip has.")
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


P = TypeVar("P", bound=TipProperties)


class _Feature(BaseModel, Generic[P]):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: geo.Point | None = Field(description="Null when the tipster gave no point.")
    properties: P


class TipFeature(_Feature[TipProperties]):
    """A tip as staff see it, as a GeoJSON Feature."""


class TipCollection(geo.FeatureCollection[TipFeature]):
    """Tips as a GeoJSON FeatureCollection, one page of them."""

    total: int
    limit: int
    offset: int
    next_offset: int | None


class NoteRead(BaseModel):
    id: uuid.UUID
    body: str
    author: str
    created_at: datetime


NotePage = Page[NoteRead]


class TipDetail(TipFeature):
    """One tip as a GeoJSON Feature, with staff's internal notes (a foreign member)."""

    notes: list[NoteRead]


class DuplicateProperties(TipProperties):
    distance_m: float = Field(description="Metres from the tip's point.")
    days_apart: float = Field(description="Days between the two tips' times.")
    score: float = Field(
        ge=0,
        le=1,
        description="(1 - distance / 500 m) * (1 - days apart / 14 days): 1 is the same place "
        "and time, 0 the edge of the search.",
    )


class DuplicateFeature(_Feature[DuplicateProperties]):
    """A tip that may be about the same thing."""


class DuplicateCollection(geo.FeatureCollection[DuplicateFeature]):
    """Suggested duplicates, the likeliest first."""


class TriageCommand(Input):
    """Triage a received tip: hand it on, restrict it, or mark it a duplicate of another."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"assigned_to": "dept:0683:gata", "restricted": False}]}
    )

    assigned_to: Assignee | None = None
    restricted: StrictBool | None = Field(
        default=None,
        description="Anyone with `tips:write` may restrict a tip; lifting a restriction needs "
        "`tips:police`.",
    )
    duplicate_of: uuid.UUID | None = Field(
        default=None,
        description="Another tip of the same municipality (not itself marked a duplicate).",
    )


class ForwardCommand(Input):
    """Forward a tip to the police or a municipal unit."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"assigned_to": "police"}]})

    assigned_to: Assignee


class CloseCommand(Input):
    """Close a tip with its outcome, and what the public and the tipster are told."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"outcome": "fixed", "public_note": "Belysningen i gångtunneln är lagad."}]
        }
    )

    outcome: Outcome
    public_note: MediumText | None = Field(
        default=None,
        description="Shown to the public and sent to a tipster who asked to be told; write it "
        "without personal data.",
    )


class NoteCreate(Input):
    """An internal note: never shown to the tipster or the public."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"body": "Gatuavdelningen har fått ärendet."}]}
    )

    body: Annotated[str, text(2000)]


class ModerationCommand(Input):
    """Store the description as it may be shared: staff's own wording, or, without it, the
    automatic redaction of the description. Either is passed through the redaction."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"redacted_description": "Gångtunneln under järnvägen är mörk."}]
        }
    )

    redacted_description: LongText | None = None


class ModerationResult(BaseModel):
    redacted_description: str | None
    source: Literal["staff", "automatic"]
    findings: dict[str, int] = Field(
        description="The kinds of personal data replaced, and how many of each: "
        "`personnummer`, `email`, `phone`, `plate`, `address`. Never the values.",
        examples=[{"phone": 1, "personnummer": 1}],
    )


class AuditRead(BaseModel):
    id: int
    actor: str
    action: str
    detail: dict[str, Any]
    at: datetime


AuditPage = Page[AuditRead]


def _properties(tip: Tip, facts: Facts) -> dict[str, Any]:
    return {
        **tip.model_dump(exclude={"location", "municipality_code", "category_code"}),
        "municipality": tip.municipality_code,
        "category": tip.category_code,
        "has_contact": facts.has_contact,
        "photos": facts.photos,
    }


def _geometry(tip: Tip) -> Any:
    return geo.from_db(tip.location) if tip.location is not None else None


def tip_feature(tip: Tip, facts: Facts) -> TipFeature:
    properties = TipProperties.model_validate(_properties(tip, facts))
    return TipFeature(id=str(tip.id), geometry=_geometry(tip), properties=properties)


def tip_detail(tip: Tip, facts: Facts, notes: list[TipNote]) -> TipDetail:
    feature = tip_feature(tip, facts)
    return TipDetail(**dict(feature), notes=[note_read(n) for n in notes])


def duplicate_feature(
    tip: Tip, facts: Facts, distance_m: float, days_apart: float, score: float
) -> DuplicateFeature:
    ranking = {"distance_m": distance_m, "days_apart": days_apart, "score": score}
    properties = DuplicateProperties.model_validate({**_properties(tip, facts), **ranking})
    return DuplicateFeature(id=str(tip.id), geometry=_geometry(tip), properties=properties)


def note_read(note: TipNote) -> NoteRead:
    return NoteRead.model_validate(note, from_attributes=True)


def audit_read(row: TipAudit) -> AuditRead:
    return AuditRead.model_validate(row, from_attributes=True)
