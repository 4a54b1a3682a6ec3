"""Organisation numbers and phone numbers, checked by the libraries that track their rules.

python-stdnum knows the Swedish organisation number (ten digits, a Luhn check digit); Google's
phonenumbers knows every country's numbering plan, so an SMS gateway only ever gets a number in
E.164 that can exist.
"""

from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, Field
from stdnum import luhn
from stdnum.se import orgnr

# A number written without a country code is Swedish: residents write 070-123 45 67.
HOME_REGION = "SE"


def org_number_ok(number: str) -> bool:
    """A Swedish organisation number, with or without its hyphen, whose check digit holds."""
    return bool(orgnr.is_valid(number))


def luhn_ok(digits: str) -> bool:
    """The Luhn check that personal identity and organisation numbers end with."""
    return bool(luhn.is_valid(digits))


def e164(text: str) -> str:
    """`070-123 45 67` as `+46701234567`; ValueError when no one can have that number."""
    try:
        number = phonenumbers.parse(text, HOME_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValueError("not a phone number") from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a phone number that can exist (check the digits and the area code)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_as_written(text: str) -> str:
    """For input models: refuses a number that cannot exist, keeps it as the person wrote it."""
    e164(text)
    return text


# The pattern is the shape the OpenAPI document shows; the numbering plan is checked after it.
PhoneNumber = Annotated[
    str,
    Field(pattern=r"^\+?[0-9][0-9 \-]{5,19}$", examples=["070-123 45 67"]),
    AfterValidator(phone_as_written),
]
"""A phone number as a person writes it, Swedish unless it starts with a country code."""
