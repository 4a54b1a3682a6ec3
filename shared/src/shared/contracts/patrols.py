"""Events the patrols service publishes on trygg.patrols.events.

They are about places, never persons: no unit, officer or token subject, and nothing about a
round before it is over. Hot spot events are keyed by the hot spot id, round events by the
round id.
"""

import uuid
from datetime import date
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events import Contract, register
from shared.geo import Polygon


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _PatrolsContract(Contract):
    source: ClassVar[str] = "/patrols"

    municipality_code: str = Field(pattern=r"^[0-9]{4}$")


class _HotSpotEvent(_PatrolsContract):
    aggregate_type: ClassVar[str] = "hot_spot"

    hot_spot_id: uuid.UUID
    name: str = Field(description="The name residents know the place by.")
    locality: str | None = None
    area: Polygon = Field(description="The hot spot's grid square in WGS84.")
    cell_size_m: int

    def aggregate_id(self) -> str:
        return str(self.hot_spot_id)


@register
class HotSpotDesignated(_HotSpotEvent):
    """Staff designated a grid square a hot spot for a period, from the ranking."""

    wire_type: ClassVar[str] = "se.trygg.patrols.hot_spot.designated.v1"

    period_start: date
    period_end: date


@register
class HotSpotRetired(_HotSpotEvent):
    """A hot spot is no longer one: its period ended early, or the problem moved."""

    wire_type: ClassVar[str] = "se.trygg.patrols.hot_spot.retired.v1"

    retired_at: AwareDatetime


class VisitedPlace(_Part):
    """A hot spot a round visited, as residents may hear of it."""

    hot_spot_id: uuid.UUID
    name: str
    locality: str | None = None
    area: Polygon
    visits: int = Field(description="Visits made to the place during the round.")
    minutes: int = Field(description="Minutes spent there in all.")


@register
class RoundCompleted(_PatrolsContract):
    """A patrol round (trygghetsrunda) is over: where it went, on which day, how many visits.

    Published only once the round is completed, and without the unit, its route or the times
    of its visits: fit to tell the residents of the places visited.
    """

    wire_type: ClassVar[str] = "se.trygg.patrols.round.completed.v1"
    aggregate_type: ClassVar[str] = "patrol_round"

    round_id: uuid.UUID
    day: date = Field(description="The day of the round, Swedish local time.")
    places: list[VisitedPlace]
    visits: int
    minutes: int

    def aggregate_id(self) -> str:
        return str(self.round_id)


class CategoryCount(_Part):
    """How many of a category a place had in a week, and the change from the week before."""

    category: str
    count: int
    change: int


class PlaceCounts(_Part):
    """A locality's counts in a week: only those at or above the reporting threshold."""

    locality: str
    total: int
    categories: list[CategoryCount]


@register
class SituationReportApproved(_PatrolsContract):
    """The EST group approved a week's situational picture (lägesbild); this is its frozen
    version. Counts below the threshold of small numbers are left out, not zeroed: nothing in it
    can point at a person."""

    wire_type: ClassVar[str] = "se.trygg.patrols.situation_report.approved.v1"
    aggregate_type: ClassVar[str] = "situation_report"

    report_id: uuid.UUID
    year: int = Field(description="The ISO year of the week.")
    week: int = Field(description="The ISO week.")
    version: int = Field(description="1 for the first approval; a correction is the next one.")
    threshold: int = Field(description="Counts below this are not given.")
    total: int | None = Field(default=None, description="All incidents of the week, if shareable.")
    places: list[PlaceCounts]
    hot_spots: int = Field(description="Hot spots active during the week.")
    rounds: int = Field(description="Patrol rounds completed during the week.")
    approved_at: AwareDatetime

    def aggregate_id(self) -> str:
        return str(self.report_id)


class CommitmentProgress(_Part):
    """Where a commitment of the promise stands."""

    commitment_id: uuid.UUID
    title: str
    indicator: str = Field(description="What is counted, e.g. `walks_held`, or `manual`.")
    target: int | None = None
    achieved: int


class _PromiseEvent(_PatrolsContract):
    aggregate_type: ClassVar[str] = "promise"

    promise_id: uuid.UUID
    title: str
    parties: list[str] = Field(description="Who signed: the municipality and the police area.")
    period_start: date
    period_end: date
    public_url: str = Field(description="The promise's public page.")

    def aggregate_id(self) -> str:
        return str(self.promise_id)


@register
class PromiseSigned(_PromiseEvent):
    """A citizens' promise (medborgarlöfte) was signed: its focus areas and commitments."""

    wire_type: ClassVar[str] = "se.trygg.patrols.promise.signed.v1"

    focus_areas: list[str]
    commitments: list[CommitmentProgress]
    signed_at: AwareDatetime


@register
class PromiseFollowedUp(_PromiseEvent):
    """A follow-up of a promise was published: each commitment's progress so far."""

    wire_type: ClassVar[str] = "se.trygg.patrols.promise.followed_up.v1"

    follow_up_id: uuid.UUID
    commitments: list[CommitmentProgress]
    summary: str | None = Field(default=None, description="A text for the public.")
    followed_up_at: AwareDatetime
