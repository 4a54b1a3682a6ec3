"""Field types the request models of several capabilities share, and the base of every input
model (unknown fields refused)."""

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from patrols.domain import CATEGORY_CODE

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
MunicipalityCode = Annotated[str, Field(pattern=r"^[0-9]{4}$", examples=["0683"])]
MunicipalityPath = Annotated[str, Path(pattern=r"^[0-9]{4}$", examples=["0683"])]
CategoryCode = Annotated[str, Field(pattern=CATEGORY_CODE, examples=["vandalism"])]
ExternalId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$"),
    Field(description="The reporting system's own id of the incident.", examples=["RAR-2026-1187"]),
]
