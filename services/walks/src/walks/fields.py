"""Field types of the request models and the query parameters several routes share: checked
text, bounded dates, places, nullable rules; and stored geometry as GeoJSON."""

from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from shared import geo
from shared.dates import Day as Day
from shared.dates import Moment as Moment
from shared.identifiers import PhoneNumber
from walks.domain import (
    CATEGORY_CODE,
)

# PostgreSQL text cannot hold NUL; refuse it at the door rather than fail in the database.
NO_NUL = r"^[^\x00]*$"


def text(max_length: int) -> Any:
    return StringConstraints(
        strip_whitespace=True, min_length=1, max_length=max_length, pattern=NO_NUL
    )


def no_default(schema: dict[str, Any]) -> None:
    """Keeps null and `default: null` out of the schema of a field that may not be null."""
    schema.pop("default", None)
    options = schema.pop("anyOf", None)
    if options is None:
        return
    kept = [option for option in options if option != {"type": "null"}]
    if len(kept) == 1:
        schema.update(kept[0])
    else:
        schema["anyOf"] = kept


def absent() -> Any:
    """A field that may be left out but, when given, may not be null (see `refuse_null`).

    Typed `X | None` rather than a union with `SkipJsonSchema[None]`: pydantic then reports a
    bad value at the field itself, not under a union member's name.
    """
    return Field(default=None, json_schema_extra=no_default)


def refuse_null(value: Any) -> Any:
    """For an `absent()` field: runs only on values sent, so an explicit null is refused."""
    if value is None:
        raise ValueError("may be left out but not set to null")
    return value


def located(field: str, message: str) -> ValidationError:
    """A model-level rule's error, reported at the field it is about."""
    error = InitErrorDetails(
        type=PydanticCustomError("value_error", message), loc=(field,), input=None
    )
    return ValidationError.from_exception_data("Input", [error])


Flag = Annotated[bool, Strict()]
ShortText = Annotated[str, text(200)]
LongText = Annotated[str, text(5000)]
MunicipalityCode = Annotated[str, Field(pattern=r"^[0-9]{4}$", examples=["0683"])]
CategoryCode = Annotated[str, Field(pattern=CATEGORY_CODE, examples=["lighting"])]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")]


Municipality = Annotated[
    str | None, Query(pattern=r"^[0-9]{4}$", description="A municipality code the token covers.")
]
Locality = Annotated[str | None, Query(max_length=200, pattern=NO_NUL)]
BBoxFilter = Annotated[geo.BBox | None, Depends(geo.bbox_param)]


def geometry(value: Any) -> Any:
    return geo.from_db(value) if value is not None else None


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NamedPlace(BaseModel):
    """A place with a name people recognise: the meeting point, a stop on the route."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText
    location: geo.Point


Phone = PhoneNumber
"""A phone number as a person writes it; one that cannot exist is refused."""
