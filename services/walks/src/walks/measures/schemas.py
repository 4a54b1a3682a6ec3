"""Request and response models of measures and the organisations responsible for them."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from shared.identifiers import org_number_ok
from shared.pagination import Page
from walks import examples
from walks.domain import (
    OPEN_MEASURE_STATUSES,
    MeasureStatus,
    Priority,
    normal_org_number,
    today,
)
from walks.fields import (
    CategoryCode,
    Day,
    Input,
    LongText,
    ShortText,
    absent,
    located,
    refuse_null,
)
from walks.measures.models import Measure


class Organisation(BaseModel):
    """The organisation responsible for a measure: by organisation number, or by a department
    code within the plan's municipality."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [{"required": ["org_number"]}, {"required": ["department_code"]}]
        },
    )

    name: ShortText = Field(examples=["Värnamo kommun, gatuavdelningen"])
    org_number: (
        Annotated[str, Field(pattern=r"^[0-9]{6}-?[0-9]{4}$", examples=["212000-0605"])] | None
    ) = absent()
    department_code: (
        Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$", examples=["GATA"])]
        | None
    ) = absent()

    _not_null = field_validator("org_number", "department_code", mode="before")(refuse_null)

    @field_validator("org_number")
    @classmethod
    def _check_digit(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not org_number_ok(value):
            raise ValueError("not a Swedish organisation number (its check digit is wrong)")
        return normal_org_number(value)

    @model_validator(mode="after")
    def _exactly_one_key(self) -> "Organisation":
        if (self.org_number is None) == (self.department_code is None):
            raise ValueError("give either org_number or department_code")
        return self


class OrganisationRead(BaseModel):
    name: str
    org_number: str | None
    department_code: str | None
    key: str = Field(description="`org:<number>` or `dept:<municipality>:<code>`; stable.")
    municipality_code: str | None


class MeasureCreate(Input):
    """A measure: what will be done, by whom, by when."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.MEASURE]})

    title: ShortText
    description: LongText | None = None
    responsible: Organisation
    priority: Priority
    due_date: Day | None = None
    category: CategoryCode | None = None
    observation_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=100,
        description="The observations this measure answers.",
    )


class MeasureChange(Input):
    """Changes to a measure; fields left out stay as they are."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"due_date": "2028-01-31"}]})

    title: ShortText | None = absent()
    description: LongText | None = None
    responsible: Organisation | None = absent()
    priority: Priority | None = absent()
    due_date: Day | None = None
    category: CategoryCode | None = None
    observation_ids: Annotated[list[uuid.UUID], Field(max_length=100)] | None = absent()

    _not_null = field_validator("title", "responsible", "priority", "observation_ids")(refuse_null)


class MeasureStatusChange(Input):
    """A measure's next status; a rejection needs a public reason."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                examples.MEASURE_STATUS,
                {"status": "rejected", "reason": "Marken ägs av Trafikverket."},
            ],
            "if": {"properties": {"status": {"const": "rejected"}}},
            "then": {"required": ["reason"]},
        }
    )

    status: MeasureStatus
    reason: LongText | None = absent()
    _not_null = field_validator("reason")(refuse_null)

    @model_validator(mode="after")
    def _reason_for_rejection(self) -> "MeasureStatusChange":
        if self.reason is None and self.status == MeasureStatus.REJECTED:
            raise located("reason", "a rejection needs a reason")
        return self


class MeasureRead(BaseModel):
    id: uuid.UUID
    plan_id: uuid.UUID
    title: str
    description: str | None
    responsible: OrganisationRead
    priority: Priority
    due_date: date | None
    category: str | None
    status: MeasureStatus
    status_reason: str | None
    status_changed_at: datetime | None
    observation_ids: list[uuid.UUID]
    overdue: bool = Field(description="The deadline has passed and the measure is not finished.")
    created_at: datetime
    updated_at: datetime


MeasurePage = Page[MeasureRead]


def organisation(measure: Measure) -> OrganisationRead:
    kind, _, rest = measure.responsible_key.partition(":")
    if kind == "org":
        return OrganisationRead(
            key=measure.responsible_key,
            name=measure.responsible_name,
            org_number=rest,
            department_code=None,
            municipality_code=None,
        )
    municipality, _, code = rest.partition(":")
    return OrganisationRead(
        key=measure.responsible_key,
        name=measure.responsible_name,
        org_number=None,
        department_code=code,
        municipality_code=municipality,
    )


def is_overdue(measure: Measure) -> bool:
    return (
        measure.due_date is not None
        and measure.due_date < today()
        and measure.status in OPEN_MEASURE_STATUSES
    )


def measure_read(measure: Measure) -> MeasureRead:
    return MeasureRead.model_validate(
        {
            **measure.model_dump(exclude={"responsible_key", "responsible_name"}),
            "responsible": organisation(measure),
            "overdue": is_overdue(measure),
        }
    )
