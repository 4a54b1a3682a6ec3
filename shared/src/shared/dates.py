"""Days and moments in request models: ISO 8601 text, timezone-aware, within years 2000-2100.

The range keeps every value convertible to any time zone (early in year 1 at +01:00 overflowed
on its way to UTC, and asyncpg writes midnight of year 1 UTC as `-infinity`). It is stated as a
`pattern` in the OpenAPI document, so clients and fuzzers see the bound the server checks. The
bound is on the year as written; a moment is then kept in UTC.
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

from babel.dates import format_date
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, WithJsonSchema

FIRST_YEAR = 2000
LAST_YEAR = 2100

_YEAR = r"(20[0-9]{2}|2100)"
_DAY = _YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?"
_OFFSET = r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
DAY_PATTERN = f"^{_DAY}$"
# RFC 3339 (what `format: date-time` means), so the server accepts exactly what the schema says.
MOMENT_PATTERN = f"^{_DAY}[Tt]{_TIME}{_OFFSET}$"


def _as_text(kind: str, pattern: str, example: str) -> BeforeValidator:
    """Text matching `pattern` only: pydantic would also take the number 0 as 1970-01-01."""
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, date) or (isinstance(value, str) and compiled.fullmatch(value)):
            return value
        raise ValueError(
            f"expected an ISO 8601 {kind} in the years {FIRST_YEAR} to {LAST_YEAR}, e.g. {example}"
        )

    return BeforeValidator(check)


D = TypeVar("D", bound=date)


def _in_range(value: D) -> D:
    # Text was checked by its pattern; this is for values given as objects (a stored walk).
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must be in the years {FIRST_YEAR} to {LAST_YEAR}")
    return value


def _in_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)  # cannot overflow within the range


def aware(value: datetime) -> datetime:
    """A moment read back from storage; a naive one (asyncpg reads ±infinity so) is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


Day = Annotated[
    date,
    _as_text("date", DAY_PATTERN, "2027-09-14"),
    AfterValidator(_in_range),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN}),
]
"""A calendar day, `YYYY-MM-DD`, in the years 2000-2100."""

Moment = Annotated[
    AwareDatetime,
    _as_text("date-time with a time zone", MOMENT_PATTERN, "2027-09-14T18:30:00+02:00"),
    AfterValidator(_in_range),
    # Stored and returned in UTC, so a created thing reads back exactly as it was answered.
    AfterValidator(_in_utc),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN}),
]
"""An RFC 3339 date-time with a time zone, in the years 2000-2100; kept in UTC."""

StoredMoment = Annotated[datetime, AfterValidator(aware)]
"""For output models read from stored JSON: whatever was stored comes out timezone-aware."""


def spelled_day(value: date, language: str = "sv") -> str:
    """A day as residents read it: "1 december 2026" (Swedish) or "1 December 2026"."""
    return format_date(value, "d MMMM y", locale=language)
