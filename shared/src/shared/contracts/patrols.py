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
