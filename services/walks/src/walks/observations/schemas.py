"""Request and response models of observations and the taxonomy, and a feature from its row."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    field_validator,
)

from shared import geo
from walks import examples
from walks.domain import (
    ObservedLight,
    Perspective,
    Sentiment,
    Severity,
)
from walks.fields import (
    CategoryCode,
    Flag,
    Input,
    Moment,
    ShortText,
    geometry,
    text,
)
from walks.observations.models import Observation


class PhotoReference(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    caption: ShortText | None = None


class ObservationCreate(Input):
    """Something noted at a place: unsafe (negative) or safe and pleasant (positive)."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.OBSERVATION]})

    id: uuid.UUID | None = Field(
        default=None, description="Chosen by the client, so a retried upload is recognised."
    )
    location: geo.Point
    category: CategoryCode
    sentiment: Sentiment
    severity: Severity | None = Field(
        default=None, description="How serious an unsafe place is, or how strong a safe one."
    )
    description: Annotated[str, text(2000)]
    observed_at: Moment | None = None
    light: ObservedLight | None = None
    perspectives: list[Perspective] = Field(default_factory=list, max_length=7)
    photos: list[PhotoReference] = Field(default_factory=list, max_length=10)

    @field_validator("perspectives")
    @classmethod
    def _distinct(cls, value: list[Perspective]) -> list[Perspective]:
        return list(dict.fromkeys(value))


class ObservationUpload(ObservationCreate):
    id: uuid.UUID = Field(description="Chosen by the field app; a retry reuses it.")


class ObservationBatch(Input):
    """Observations captured in the field, uploaded together; safe to send again."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.OBSERVATION_BATCH]})

    observations: list[ObservationUpload] = Field(min_length=1, max_length=500)

    @field_validator("observations")
    @classmethod
    def _unique_ids(cls, value: list[ObservationUpload]) -> list[ObservationUpload]:
        if len({o.id for o in value}) != len(value):
            raise ValueError("each observation in a batch needs its own id")
        return value


class BatchResult(BaseModel):
    created: list[uuid.UUID] = Field(description="Observations stored by this request.")
    already_stored: list[uuid.UUID] = Field(
        description="Observations an earlier upload stored; they were left as they were."
    )


class ObservationProperties(BaseModel):
    id: uuid.UUID
    walk_id: uuid.UUID
    category: str
    category_label: str
    sentiment: Sentiment
    severity: Severity | None
    description: str
    observed_at: datetime | None
    light: ObservedLight | None
    perspectives: list[Perspective]
    photos: list[PhotoReference]
    created_at: datetime


class ObservationFeature(geo.Feature[geo.Point, ObservationProperties]):
    """An observation as a GeoJSON Feature."""


class ObservationCollection(geo.FeatureCollection[ObservationFeature]):
    """Observations as a GeoJSON FeatureCollection, one page of them."""

    total: int
    limit: int
    offset: int
    next_offset: int | None


class CategoryRead(BaseModel):
    code: str
    label: str
    active: bool
    source: Literal["default", "municipality"]


class CategoryChange(Input):
    """A municipality's label for a category, or its retirement (active: false)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"label": "Belysning och ljus"}]})

    label: Annotated[str, text(120)]
    active: Flag = True


def observation_feature(observation: Observation, labels: dict[str, str]) -> ObservationFeature:
    properties = ObservationProperties.model_validate(
        {
            **observation.model_dump(exclude={"location", "created_by"}),
            "category_label": labels.get(observation.category, observation.category),
        }
    )
    return ObservationFeature(
        id=str(observation.id), geometry=geometry(observation.location), properties=properties
    )
