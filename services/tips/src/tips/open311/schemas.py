"""The Open311 GeoReport v2 resources as the spec names their fields, the parameters of its
queries, and the failures it names (answered in its error format, not as problems)."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Header, Query
from pydantic import BaseModel, Field

from shared.problems import BadRequest, Forbidden, NotFound

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MEDIA_TYPES = ["text/xml", "application/json"]


class MissingParameter(BadRequest):
    title = "A required parameter was not provided"


class InvalidParameter(BadRequest):
    """One or more parameters are wrong; each description names its parameter."""

    title = "A parameter is not valid"

    def __init__(self, *descriptions: str) -> None:
        super().__init__(" ".join(descriptions), descriptions=list(descriptions))


class ApiKeyRefused(Forbidden):
    title = "Missing or invalid api_key"


class JurisdictionNotFound(NotFound):
    title = "jurisdiction_id not found"


class ServiceNotFound(NotFound):
    title = "service_code not found"


class ServiceRequestNotFound(NotFound):
    title = "service_request_id not found"


class Open311Error(BaseModel):
    code: int = Field(description="The HTTP status of the answer.", examples=[403])
    description: str = Field(examples=["Missing or invalid api_key."])


class Endpoint(BaseModel):
    specification: str = Field(examples=[SPECIFICATION])
    url: str
    changeset: str
    type: Literal["production", "test"]
    formats: list[str] = Field(examples=[MEDIA_TYPES])


class Discovery(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


class Service(BaseModel):
    """A tip category of the jurisdiction (municipality)."""

    service_code: str = Field(examples=["unsafe_place"])
    service_name: str = Field(examples=["Otrygg plats"])
    description: str
    metadata: bool = Field(description="The category asks questions: see its definition.")
    type: Literal["realtime"] = Field(
        description="Always `realtime`: a request's id is answered at once, so no tokens."
    )
    keywords: str
    group: str = Field(description="The top-level category this one belongs to.")


class AttributeValue(BaseModel):
    key: str
    name: str


class Attribute(BaseModel):
    """One of the category's questions."""

    variable: bool
    code: str = Field(examples=["happening_now"])
    datatype: Literal["text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValue]


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[Attribute]


class RequestCreated(BaseModel):
    service_request_id: str = Field(examples=["3d5b8f9e-4c1a-4e2b-9f6d-2a7c8e1b0d44"])
    service_notice: str
    account_id: None = Field(default=None, description="Never returned: not stored.")


class ServiceRequest(BaseModel):
    """A tip as anyone may see it: no contact, no name, no raw description, no address, no
    photo; the place is the centre of its 250 m grid square, the times the start of their
    three-hour block."""

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None = Field(description="The text as staff moderated it, if any.")
    agency_responsible: str
    service_notice: str | None
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: None = None
    address: None = None
    address_id: None = None
    zipcode: None = None
    lat: float | None
    long: float | None
    media_url: None = None


def _optional(description: str) -> object:
    return Query(description=f"{description} Empty is the same as not given.")


JurisdictionParam = Annotated[
    str,
    Query(
        description="The municipality code (kommunkod). Required: the endpoint serves several.",
        pattern=r"^[0-9]{4}$",
        examples=["0683"],
    ),
]
RequestIdsParam = Annotated[
    str | None,
    _optional("Comma-separated request ids; when given, every other filter is ignored."),
]
ServiceCodesParam = Annotated[str | None, _optional("Comma-separated service codes.")]
StartParam = Annotated[
    str | None,
    _optional("Earliest requested_datetime, W3C with a time zone (2026-12-01T00:00:00Z)."),
]
EndParam = Annotated[
    str | None,
    _optional("Latest requested_datetime; at most 90 days after start_date."),
]
StatusParam = Annotated[str | None, _optional("`open`, `closed`, or both comma-separated.")]
RetryKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="A unique value (a UUID is best) chosen by the client: sending the request "
        "again with the same key (and the same fields) creates nothing twice and answers the "
        "same service_request_id.",
    ),
]
