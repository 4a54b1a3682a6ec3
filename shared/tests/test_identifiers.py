"""Organisation and phone numbers are checked by python-stdnum and phonenumbers."""

import pytest
from pydantic import BaseModel, ValidationError

from shared.identifiers import PhoneNumber, e164, luhn_ok, org_number_ok

pytestmark = pytest.mark.unit


class Contact(BaseModel):
    phone: PhoneNumber


@pytest.mark.parametrize(
    ("number", "valid"),
    [("212000-0605", True), ("2120000605", True), ("556016-0680", True), ("556016-0681", False)],
)
def test_organisation_numbers_need_their_check_digit(number: str, valid: bool) -> None:
    assert org_number_ok(number) is valid


def test_the_luhn_check_of_an_identity_number() -> None:
    assert luhn_ok("8112189876")
    assert not luhn_ok("8112189875")


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("070-123 45 67", "+46701234567"),
        ("08-123 456 78", "+46812345678"),
        ("0046 70 123 45 67", "+46701234567"),
        ("+358 40 123 4567", "+358401234567"),
    ],
)
def test_numbers_people_write_become_e164(written: str, normal: str) -> None:
    assert e164(written) == normal


@pytest.mark.parametrize("impossible", ["+4670", "070", "+46 00 123 45 67", "+999 123 456 789"])
def test_a_number_no_one_can_have_is_refused(impossible: str) -> None:
    with pytest.raises(ValueError, match="phone number"):
        e164(impossible)


def test_an_input_model_keeps_the_number_as_written_and_refuses_an_impossible_one() -> None:
    assert Contact(phone="070-123 45 67").phone == "070-123 45 67"
    with pytest.raises(ValidationError, match="can exist"):
        Contact(phone="070-00 00 00")
