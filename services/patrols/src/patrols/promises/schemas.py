"""Request and response models of citizens' promises, their commitments and their progress.

The public models hold nothing but what the signed promise says and what was counted: no
token subject, no person.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from patrols.fields import Input, MediumText, ShortText


class Indicator(StrEnum):
    """What a commitment counts, and from which event."""

    WALKS_HELD = "walks_held"  # walks' walk.conducted, optionally in given localities
    ROUNDS_DONE = "rounds_done"  # patrols' round.completed, optionally at given hot spots
    DIALOGUES_HELD = "dialogues_held"  # distinct dialogues among tips' tip.received
    WEEKLY_PICTURES_APPROVED = "weekly_pictures_approved"  # distinct weeks approved
    MEASURES_DONE_ON_TIME = "measures_done_on_time"  # measures done on or before their due date
    MANUAL = "manual"  # an amount staff record, with its evidence


class PromiseStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


FocusArea = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00]*$")]

PROMISE_EXAMPLE: dict[str, Any] = {
    "title": "Medborgarlöfte Gislaved 2027",
    "police_area": "Lokalpolisområde Gislaved",
    "period_start": "2027-01-01",
    "period_end": "2027-12-31",
    "focus_areas": ["närvaro", "förebyggande", "narkotika och unga"],
    "commitments": [
        {
            "title": "Trygghetsvandringar i Forsheda och Bredaryd",
            "indicator": "walks_held",
            "localities": ["Forsheda", "Bredaryd"],
            "target": 4,
        },
        {"title": "Trygghetsrundor vid utpekade platser", "indicator": "rounds_done"},
    ],
}


class CommitmentCreate(Input):
    """One thing promised. `localities` narrows `walks_held`, `hot_spot_ids` `rounds_done`."""

    title: ShortText
    description: MediumText | None = None
    indicator: Indicator
    target: int | None = Field(default=None, ge=1, le=100_000)
    localities: list[ShortText] | None = Field(default=None, min_length=1, max_length=20)
    hot_spot_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=50)


class PromiseCreate(Input):
    """A promise as drafted: while a draft, it may be replaced whole."""

    model_config = ConfigDict(json_schema_extra={"examples": [PROMISE_EXAMPLE]})

    title: ShortText
    police_area: ShortText
    period_start: date
    period_end: date = Field(description="On or after the start, at most three years on.")
    focus_areas: list[FocusArea] = Field(default_factory=list, max_length=20)
    commitments: list[CommitmentCreate] = Field(min_length=1, max_length=30)


class FollowUpCreate(Input):
    summary: MediumText | None = Field(default=None, description="A text for the public.")


class ManualProgress(Input):
    """An amount done towards a manual commitment, and what shows it."""

    amount: int = Field(ge=1, le=10_000)
    evidence: MediumText
    evidence_url: HttpUrl | None = None
    occurred_at: datetime | None = Field(default=None, description="When; now if left out.")


class CommitmentRead(BaseModel):
    id: uuid.UUID
    promise_id: uuid.UUID
    title: str
    description: str | None
    indicator: str
    localities: list[str] | None = None
    hot_spot_ids: list[uuid.UUID] | None = None
    target: int | None
    achieved: int = Field(description="What the counted activities add up to.")


class ActivityRead(BaseModel):
    """Something counted towards a commitment, with a link where there is a public page."""

    commitment_id: uuid.UUID
    kind: str
    title: str
    occurred_at: datetime
    link: str | None
    amount: int


class FollowUpRead(BaseModel):
    id: uuid.UUID
    promise_id: uuid.UUID
    summary: str | None
    created_at: datetime
    figures: list[dict[str, object]]


class PromiseSummary(BaseModel):
    id: uuid.UUID
    municipality_code: str
    title: str
    police_area: str
    period_start: date
    period_end: date
    status: PromiseStatus
    signed_at: datetime | None


class PromiseRead(PromiseSummary):
    focus_areas: list[str]
    created_at: datetime
    commitments: list[CommitmentRead]
    activities: list[ActivityRead] = Field(description="The latest activities, newest first.")
    public_url: str


class PublicPromise(BaseModel):
    """A signed promise as residents see it."""

    id: uuid.UUID
    title: str
    parties: list[str]
    period_start: date
    period_end: date
    focus_areas: list[str]
    signed_at: datetime
    commitments: list[CommitmentRead]
    activities: list[ActivityRead] = Field(description="The latest ten, newest first.")
    follow_ups: list[FollowUpRead]


class QuarterFigures(BaseModel):
    commitment_id: uuid.UUID
    title: str
    indicator: str
    target: int | None
    quarters: list[int] = Field(description="Counted in each quarter, Q1 to Q4.")
    year: int


class YearReport(BaseModel):
    promise: PublicPromise
    year: int
    figures: list[QuarterFigures]
    follow_ups: list[FollowUpRead]
