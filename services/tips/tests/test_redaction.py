"""Redacting personal data from a tip's free text: what each pattern takes, and what it leaves."""

import pytest

from shared.identifiers import luhn_ok
from tips.triage.redaction import redact

pytestmark = pytest.mark.unit

# Skatteverket's example numbers: valid check digits, no real person.
IDENTITY = "811218-9876"
COORDINATION = "701063-2391"


@pytest.mark.parametrize(
    "number",
    [IDENTITY, "8112189876", "811218+9876", "19811218-9876", "198112189876", COORDINATION],
)
def test_an_identity_number_in_any_written_form_is_replaced(number: str) -> None:
    assert redact(f"Han heter Per, {number}, och bor här.") == (
        "Han heter Per, [personnummer], och bor här.",
        {"personnummer": 1},
    )


@pytest.mark.parametrize("number", ["811218-9875", "8112189870", "19811218-9871"])
def test_a_number_with_a_wrong_check_digit_is_left_alone(number: str) -> None:
    text = f"Ärendet har nummer {number}."
    assert redact(text) == (text, {})


def test_a_number_whose_date_cannot_be_a_birthday_is_left_alone() -> None:
    # 811318-9875 passes the Luhn check, but there is no 13th month.
    assert luhn_ok("8113189875")
    text = "Kvittot 811318-9875."
    assert redact(text) == (text, {})


def test_the_luhn_check() -> None:
    assert luhn_ok("8112189876")
    assert not luhn_ok("8112189875")


@pytest.mark.parametrize(
    "address", ["anna@example.se", "per.olsson+tips@mail.varnamo.se", "X_1@sub.example.com"]
)
def test_an_email_address_is_replaced(address: str) -> None:
    assert redact(f"Skriv till {address} om det.") == (
        "Skriv till [e-post] om det.",
        {"email": 1},
    )


@pytest.mark.parametrize(
    "number",
    [
        "070-123 45 67",
        "0701234567",
        "070 123 45 67",
        "073-1234567",
        "+46 70 123 45 67",
        "+46701234567",
        "0046 70 123 45 67",
        "+46 (0)70-123 45 67",
        "08-123 456 78",
        "0370-123 45",
        "0370-12345",
        "036-10 20 30",
    ],
)
def test_a_swedish_phone_number_is_replaced(number: str) -> None:
    assert redact(f"Ring {number} efter sex.") == ("Ring [telefon] efter sex.", {"phone": 1})


@pytest.mark.parametrize("plate", ["ABC 123", "ABC123", "ABC 12A", "XYZ 98P"])
def test_a_car_registration_is_replaced(plate: str) -> None:
    assert redact(f"En bil, {plate}, står där varje kväll.") == (
        "En bil, [regnr], står där varje kväll.",
        {"plate": 1},
    )


@pytest.mark.parametrize("text", ["Skylten sa abc 123.", "IQV 123 är ingen skylt.", "ABCD 123"])
def test_what_no_swedish_plate_looks_like_is_left_alone(text: str) -> None:
    assert redact(text) == (text, {})


@pytest.mark.parametrize(
    ("address", "kept"),
    [
        ("Storgatan 12", "Storgatan"),
        ("Storgatan 12B", "Storgatan"),
        ("Järnvägsgatan 4 b", "Järnvägsgatan"),
        ("Forshedavägen 7", "Forshedavägen"),
    ],
)
def test_a_street_address_keeps_its_street_and_loses_its_house_number(
    address: str, kept: str
) -> None:
    assert redact(f"Det gäller {address}, på baksidan.") == (
        f"Det gäller {kept} [husnummer], på baksidan.",
        {"address": 1},
    )


def test_every_kind_is_counted_together() -> None:
    text = (
        f"Anna ({IDENTITY}, anna@example.se, 070-123 45 67) såg ABC 123 vid Storgatan 3 "
        "och ringde 0701234567."
    )
    redacted, findings = redact(text)
    assert redacted == (
        "Anna ([personnummer], [e-post], [telefon]) såg [regnr] vid Storgatan [husnummer] "
        "och ringde [telefon]."
    )
    assert findings == {"personnummer": 1, "email": 1, "phone": 2, "plate": 1, "address": 1}


@pytest.mark.parametrize(
    "text",
    [
        "Gångtunneln under järnvägen är helt mörk på kvällarna.",
        "Det hände 2026-11-28 kl. 21.30, ungefär 15 personer, och det kostade 2500 kr.",
        "Lampan vid busshållplatsen på Storgatan har varit trasig i 3 veckor.",
        "Ring 112 om det brinner, 114 14 annars.",
        "",
    ],
)
def test_text_without_personal_data_is_unchanged(text: str) -> None:
    assert redact(text) == (text, {})
