"""Field types the request and response models of every capability share, and the base of
every input model (unknown fields refused)."""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from notify.domain import STAKEHOLDER_KEY, Channel, normal_email
from shared.identifiers import PhoneNumber

# PostgreSQL text cannot hold NUL; refuse it at the door rather than fail in the database.
NO_NUL = r"^[^\x00]*$"


def _text(max_length: int) -> Any:
    return StringConstraints(
        strip_whitespace=True, min_length=1, max_length=max_length, pattern=NO_NUL
    )


ShortText = Annotated[str, _text(200)]
LongText = Annotated[str, _text(5000)]
MunicipalityCode = Annotated[str, Field(pattern=r"^[0-9]{4}$", examples=["0683"])]


def _internet_domain(email: str) -> str:
    try:
        normal_email(email)
    except UnicodeError:
        raise ValueError("the domain is not a valid internet domain name") from None
    return email


# A dot-atom local part; the domain may be internationalised (sent in its IDNA form).
Email = Annotated[
    str,
    Field(
        max_length=254,
        pattern=r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[^@\s\x00]+\.[^@\s\x00.]+$",
        examples=["anna@example.se"],
    ),
    AfterValidator(_internet_domain),
]
PersonalChannel = Literal[Channel.EMAIL, Channel.SMS]
StakeholderKey = Annotated[
    str,
    Field(
        pattern=STAKEHOLDER_KEY,
        description="`org:<organisation number>` or `dept:<municipality code>:<department code>`,"
        " the key walks names a measure's responsible organisation by.",
        examples=["org:556677-8899", "dept:0683:GATA"],
    ),
]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


Phone = PhoneNumber
"""A phone number as a person writes it; one that cannot exist is refused."""
