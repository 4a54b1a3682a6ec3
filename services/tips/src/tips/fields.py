"""Field types the request models and the query parameters of several capabilities share, and
the base of every input model (unknown fields refused)."""

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.identifiers import PhoneNumber
from tips.domain import CATEGORY_CODE, ORGANISATION_KEY

# PostgreSQL text cannot hold NUL; refuse it at the door rather than fail in the database.
NO_NUL = r"^[^\x00]*$"


def text(max_length: int) -> Any:
    return StringConstraints(
        strip_whitespace=True, min_length=1, max_length=max_length, pattern=NO_NUL
    )


class Input(BaseModel):
    """Base of request bodies: a field the API does not know is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


ShortText = Annotated[str, text(200)]
MediumText = Annotated[str, text(1000)]
LongText = Annotated[str, text(4000)]
Language = Literal["sv", "en"]
MunicipalityCode = Annotated[str, Field(pattern=r"^[0-9]{4}$", examples=["0683"])]
MunicipalityPath = Annotated[str, Path(pattern=r"^[0-9]{4}$", examples=["0683"])]
CategoryCode = Annotated[str, Field(pattern=CATEGORY_CODE, examples=["unsafe_place"])]
CategoryPath = Annotated[str, Path(pattern=CATEGORY_CODE, examples=["unsafe_place"])]
OrganisationKey = Annotated[
    str,
    Field(
        pattern=ORGANISATION_KEY,
        description="`org:<organisation number>` or `dept:<municipality code>:<department code>`.",
        examples=["org:556000-1234"],
    ),
]
Email = Annotated[
    str,
    Field(
        max_length=254,
        pattern=r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
        examples=["anna@example.se"],
    ),
]

Phone = PhoneNumber
"""A phone number as a person writes it; one that cannot exist is refused."""
