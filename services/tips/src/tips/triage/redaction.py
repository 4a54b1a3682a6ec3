"""Personal data found in a tip's free text, and the text with it replaced (GDPR art. 5(1)(c)).

Only the redacted text may leave the staff's view: Open311, the public pages and anything
published read `redacted_description`. What is found is told as kinds and counts, never the
values, so the findings may be answered and audited.

Each pattern is tuned against false positives, because a redaction that eats dates, times or
amounts makes the text useless to the public:

- a personal identity number (personnummer, or a coordination number, samordningsnummer: the
  day plus 60) is 10 or 12 digits with an optional `-` or `+`, a real month and day, and a valid
  Luhn check digit;
- a phone number is Swedish: a leading 0 (or +46 / 0046) and 7 to 9 more digits, grouped by
  spaces or hyphens as people write them (`070-123 45 67`, `+46 70 123 45 67`, `0370-123 45`);
- a car registration is written in capitals, three letters and three digits or two digits and
  a letter (`ABC 123`, `ABC 12A`), the letters Swedish plates use (no I, Q or V);
- only the house number of a street address goes (`Storgatan [husnummer]`), and only after a
  capitalised name ending as Swedish street names do: the street says where the problem is, the
  number could point at one household.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from shared.identifiers import luhn_ok

Findings = dict[str, int]

EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.ASCII)
# The century is optional; the lookahead keeps it from taking two digits of a 10-digit number.
IDENTITY_NUMBER = re.compile(
    r"(?<![\d+])(?:(?:18|19|20)(?=\d{6}[-+]?\d{4}(?!\d)))?"
    r"(?P<date>\d{6})[-+]?(?P<serial>\d{4})(?!\d)"
)
PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)46[ -]?(?:\(0\)[ -]?)?|0)[1-9](?:[ -]?\d){6,8}(?!\d)")
PLATE = re.compile(r"\b[A-HJ-PR-UW-Z]{3} ?(?:\d{3}|\d{2}[A-HJ-NPR-UW-Z])\b")
STREET_SUFFIX = (
    "gatan|gata|vägen|väg|gränd|gränden|stigen|backen|allén|torget|torg|leden|platsen|gången"
)
ADDRESS = re.compile(
    rf"\b(?P<street>[A-ZÅÄÖ][a-zåäöé]+(?:{STREET_SUFFIX})) +\d{{1,3}}(?: ?[A-Za-z])?\b"
)


def _plausible_date(yymmdd: str) -> bool:
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    # A coordination number's day is the day of birth plus 60.
    return 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)


def _is_identity_number(match: re.Match[str]) -> bool:
    return _plausible_date(match["date"]) and luhn_ok(match["date"] + match["serial"])


def _always(_: re.Match[str]) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: re.Pattern[str]
    token: str
    accept: Callable[[re.Match[str]], bool] = _always
    keep_street: bool = False

    def apply(self, text: str, findings: Findings) -> str:
        def substitute(match: re.Match[str]) -> str:
            if not self.accept(match):
                return match.group(0)
            findings[self.kind] = findings.get(self.kind, 0) + 1
            return f"{match['street']} {self.token}" if self.keep_street else self.token

        return self.pattern.sub(substitute, text)


# In this order: emails first (they may hold digits), identity numbers before phone numbers (one
# born in the 2000s starts with 0 as a phone number does; its check digit tells them apart).
RULES = (
    Rule("email", EMAIL, "[e-post]"),
    Rule("personnummer", IDENTITY_NUMBER, "[personnummer]", accept=_is_identity_number),
    Rule("phone", PHONE, "[telefon]"),
    Rule("plate", PLATE, "[regnr]"),
    Rule("address", ADDRESS, "[husnummer]", keep_street=True),
)


def redact(text: str) -> tuple[str, Findings]:
    """The text with personal data replaced by tokens, and how many of each kind were found."""
    findings: Findings = {}
    for rule in RULES:
        text = rule.apply(text, findings)
    return text, findings
