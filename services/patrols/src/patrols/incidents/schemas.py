"""Request and response models of incidents: a report, a batch of reports and its outcome, and
the staff view of an incident (a GeoJSON Feature, its geometry null when only a locality is
known)."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from patrols.domain import IncidentSource
from patrols.fields import CategoryCode, ExternalId, Input, ShortText
from patrols.incidents.models import Incident
from shared import geo
from shared.dates import Moment

# The most reports one batch may carry: a week of a large municipality's police reports.
MAX_BATCH = 5000

ReportedSource = Annotated[
    Literal[IncidentSource.POLICE, IncidentSource.MUNICIPALITY],
    Field(description="Who reports: `police`, or `municipality` (a unit or a partner)."),
]

INCIDENT_EXAMPLE: dict[str, Any] = {
    "external_id": "RAR-2026-1187",
    "source": "police",
    "category": "vandalism",
    "occurred_at": "2026-11-28T21:30:00+01:00",
    "location": {"type": "Point", "coordinates": [13.8262, 57.1661]},
    "locality": "Forsheda",
}


class IncidentCreate(Input):
    """An incident as the police or the municipality report it. Give its place as a point, a
    named locality of the municipality, or both."""

    model_config = ConfigDict(json_schema_extra={"examples": [INCIDENT_EXAMPLE]})

    external_id: ExternalId
    source: ReportedSource
    category: CategoryCode
    occurred_at: Moment = Field(description="When it happened: at most 5 minutes from now.")
    location: geo.Point | None = None
    locality: ShortText | None = Field(
        default=None,
        description="A named locality of the municipality; found from the point when left out.",
        examples=["Forsheda"],
    )

    @model_validator(mode="after")
    def _has_a_place(self) -> Self:
        if self.location is None and self.locality is None:
            raise ValueError("give a location, a locality, or both")
        return self


class IncidentBatch(Input):
    """Up to 5,000 incidents, stored all together or not at all."""

    incidents: list[IncidentCreate] = Field(min_length=1, max_length=MAX_BATCH)


class BatchResult(BaseModel):
    """What a batch did: every incident in it is now stored, once."""

    created: int = Field(description="Incidents stored now.")
    unchanged: int = Field(
        description="Incidents stored before, under the same id and with the same content "
        "(a batch sent again, or the same incident twice in one batch)."
    )


class IncidentProperties(BaseModel):
    id: uuid.UUID
    municipality: str
    source: IncidentSource
    external_id: str = Field(description="The reporter's id; for a tip or a walk, its own id.")
    category: str = Field(
        description="The reporter's category code; for a tip its category, for a walk the "
        "observation's category (tell them apart by `source`)."
    )
    occurred_at: datetime = Field(
        description="For a tip: the start of the block of hours it was coarsened to."
    )
    locality: str | None
    reported_by: str = Field(
        description="The token subject that reported it, or the service whose event it was."
    )
    created_at: datetime


class IncidentFeature(BaseModel):
    """An incident as a GeoJSON Feature."""

    type: Literal["Feature"] = "Feature"
    id: str
    geometry: geo.Point | None = Field(
        description="The point; for a tip, the centre of its grid square; null when only the "
        "locality is known."
    )
    properties: IncidentProperties


class IncidentCollection(geo.FeatureCollection[IncidentFeature]):
    """Incidents as a GeoJSON FeatureCollection, one page of them."""

    total: int
    limit: int
    offset: int
    next_offset: int | None


def incident_feature(incident: Incident) -> IncidentFeature:
    properties = IncidentProperties.model_validate(
        {
            **incident.model_dump(exclude={"location", "municipality_code"}),
            "municipality": incident.municipality_code,
        }
    )
    geometry = geo.from_db(incident.location) if incident.location is not None else None
    return IncidentFeature(id=str(incident.id), geometry=geometry, properties=properties)
