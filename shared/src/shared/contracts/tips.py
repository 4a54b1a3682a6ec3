"""Events the tips service publishes on trygg.tips.events.

What a tip says stays in the tips service. Its events carry what the shared situational picture
needs and nothing that could identify the tipster or the people a tip is about: the category,
the place coarsened to a square of the national grid (or a named locality), the time coarsened
to a block of hours, and where the tip came from. Never its free text, its answers, a contact,
a photo or the exact point. Every event is keyed by the tip id.
"""

import uuid
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events import Contract, register
from shared.geo import Point

TipSource = Literal["public", "open311", "reporter", "dialogue"]
TipOutcome = Literal["fixed", "not_ours", "no_action"]
ReporterKind = Literal[
    "housing_company", "security_company", "school", "municipal_unit", "police", "other"
]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GridCell(_Part):
    """The square of the SWEREF 99 TM grid (EPSG:3006) that holds a tip's place."""

    crs: Literal["EPSG:3006"] = "EPSG:3006"
    size_m: int = Field(description="The side of the square in metres.")
    east: int = Field(description="Easting of the square's south-west corner, in metres.")
    north: int = Field(description="Northing of the square's south-west corner, in metres.")
    centre: Point = Field(description="The square's centre in WGS84, to draw it on a map.")


class TimeBlock(_Part):
    """The block of hours (Swedish local time) that holds a moment."""

    start: AwareDatetime
    end: AwareDatetime


class _TipEvent(Contract):
    source: ClassVar[str] = "/tips"
    aggregate_type: ClassVar[str] = "tip"

    tip_id: uuid.UUID
    municipality_code: str = Field(pattern=r"^[0-9]{4}$")
    category: str = Field(description="The code of the municipality's tip category.")
    parent_category: str | None = Field(
        default=None, description="The category's parent, for a subcategory."
    )

    def aggregate_id(self) -> str:
        return str(self.tip_id)


@register
class TipReceived(_TipEvent):
    """A tip was received: from a resident, a designated reporter or a citizen dialogue.

    The place is the grid square that holds it, or only the locality when the tipster named one
    or gave an address; the time is the block of hours when it happened (or, when the tipster
    did not say, when it was received).
    """

    wire_type: ClassVar[str] = "se.trygg.tips.tip.received.v1"

    source_type: TipSource
    reporter_kind: ReporterKind | None = Field(
        default=None, description="For a designated reporter's tip: the kind of organisation."
    )
    organisation_key: str | None = Field(
        default=None, description="For a designated reporter's tip: the organisation's key."
    )
    dialogue_id: uuid.UUID | None = Field(
        default=None, description="For input from a citizen dialogue: the dialogue."
    )
    locality: str | None = None
    cell: GridCell | None = None
    occurred: TimeBlock
    occurred_known: bool = Field(
        description="False when the tipster did not say when, and `occurred` is the receipt."
    )
    received: TimeBlock


@register
class TipTriaged(_TipEvent):
    """Staff triaged a tip, or forwarded it to the police or a municipal unit."""

    wire_type: ClassVar[str] = "se.trygg.tips.tip.triaged.v1"

    status: Literal["triaged", "forwarded"]
    assigned_to: str | None = Field(
        default=None,
        description="`police`, or `dept:<municipality code>:<department code>` for a unit.",
    )
    duplicate_of: uuid.UUID | None = None


@register
class TipClosed(_TipEvent):
    """Staff closed a tip with its outcome."""

    wire_type: ClassVar[str] = "se.trygg.tips.tip.closed.v1"

    outcome: TipOutcome
    closed_at: AwareDatetime
