"""Request and response models of patrol rounds, their visits and the dosage per hot spot.

A round's unit, plan and visits are police-only (`patrols:plan`); the dosage is aggregated per
hot spot and names no unit.
"""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from patrols.fields import CategoryCode, Input, MediumText, text
from patrols.rounds.models import PatrolRound, Visit
from shared.dates import Moment

SEED_LIMIT = 2**31  # the seed column is a PostgreSQL integer
CallSign = Annotated[str, text(40)]

ROUND_EXAMPLE: dict[str, Any] = {
    "unit": "Värnamo 2-310",
    "shift_start": "2027-03-05T18:00:00+01:00",
    "shift_end": "2027-03-06T02:00:00+01:00",
    "hot_spot_ids": [
        "6b1f9c9e-2f4b-4d8e-9a51-1c3e7d2a9f10",
        "0c7d2e51-8a3f-4b6c-b1d9-5e4f3a2c1b08",
    ],
}


class RoundCreate(Input):
    """A shift to plan over designated hot spots of the municipality."""

    model_config = ConfigDict(json_schema_extra={"examples": [ROUND_EXAMPLE]})

    unit: CallSign = Field(description="The unit's call sign: known only to `patrols:plan`.")
    shift_start: Moment = Field(description="Now or later.")
    shift_end: Moment = Field(description="After the start, at most 12 hours on.")
    hot_spot_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=20,
        description="Distinct designated hot spots of the municipality, active through the "
        "shift; at most the configured number per round (6 by default).",
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        lt=SEED_LIMIT,
        description="The random seed of the plan; left out, one is drawn. The same seed, hot "
        "spots, shift and rules give the same plan.",
    )


class ObservationCreate(Input):
    """Something seen during a visit; with `becomes: incident` it is recorded as an incident at
    the hot spot's centre when the visit is checked out."""

    category: CategoryCode
    note: MediumText | None = None
    becomes: Literal["incident", "none"] = "none"


class VisitReport(Input):
    """A check-in or check-out: when (now if left out), what was done, what was seen."""

    at: Moment | None = Field(
        default=None, description="Not in the future; within the shift, give or take 30 minutes."
    )
    activity: MediumText | None = None
    observations: list[ObservationCreate] = Field(default_factory=list, max_length=20)


class ObservationRead(BaseModel):
    category: str
    note: str | None
    becomes: str
    incident_id: uuid.UUID | None = Field(
        default=None, description="The incident the observation became, once checked out."
    )


class VisitRead(BaseModel):
    id: uuid.UUID
    sequence: int
    hot_spot_id: uuid.UUID
    hot_spot_name: str
    planned_arrival: datetime
    planned_departure: datetime
    status: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    dwell_minutes: float | None = Field(description="Checked out less checked in.")
    activity: str | None
    observations: list[ObservationRead]


class RoundRead(BaseModel):
    """A round as the police see it: the unit, the rules and seed of its plan, and its visits."""

    id: uuid.UUID
    municipality_code: str
    unit: str
    shift_start: datetime
    shift_end: datetime
    status: str
    rules: dict[str, Any] = Field(description="The rules the plan was made under.")
    seed: int
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    visits: list[VisitRead]


class RoundSummary(BaseModel):
    id: uuid.UUID
    municipality_code: str
    unit: str
    shift_start: datetime
    shift_end: datetime
    status: str
    visits_planned: int
    visits_done: int
    created_at: datetime
    completed_at: datetime | None


class HotSpotDosage(BaseModel):
    """How much presence one hot spot had: of completed rounds' visits, planned and done."""

    hot_spot_id: uuid.UUID
    name: str
    locality: str | None
    planned_visits: int
    visits_done: int
    minutes: float = Field(description="Minutes spent there: the sum of the visits' dwell.")
    share_done: float = Field(description="Visits done over visits planned.")
    mean_dwell_minutes: float | None = Field(description="Null when no visit was done.")
    share_dwell_within: float | None = Field(
        description="Of the visits done, the share whose dwell lay within the round's dwell "
        "range (10-15 minutes by default, the Koper curve); null when no visit was done."
    )


class DosageReport(BaseModel):
    municipality_code: str
    from_day: date | None = Field(description="The first day counted (Swedish time).")
    to_day: date | None = Field(description="The last day counted.")
    hot_spots: list[HotSpotDosage]


def visit_read(visit: Visit, hot_spot_name: str) -> VisitRead:
    dwell = None
    if visit.checked_in_at is not None and visit.checked_out_at is not None:
        dwell = round((visit.checked_out_at - visit.checked_in_at).total_seconds() / 60, 2)
    return VisitRead.model_validate(
        {**visit.model_dump(), "hot_spot_name": hot_spot_name, "dwell_minutes": dwell}
    )


def round_read(
    patrol_round: PatrolRound, visits: list[Visit], names: dict[uuid.UUID, str]
) -> RoundRead:
    return RoundRead.model_validate(
        {
            **patrol_round.model_dump(),
            "visits": [visit_read(v, names.get(v.hot_spot_id, "")) for v in visits],
        }
    )
