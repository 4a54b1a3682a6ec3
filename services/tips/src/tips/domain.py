"""The tips vocabulary and its rules: sources, statuses and their transitions, outcomes, how a
place and a time are coarsened before anything about a tip leaves the service."""

from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.columns import utcnow as utcnow  # one clock for models and use cases

# Tips are about Swedish places; "the day" and "the evening" are Swedish local time.
LOCAL_TIME = ZoneInfo("Europe/Stockholm")

# Places leave the service as the square of this grid that holds them (SWEREF 99 TM, metres),
# times as the block of hours that holds them: enough for the situational picture, too coarse
# to point at a doorway or a person's evening.
GRID_SRID = 3006
GRID_CELL_M = 250
TIME_BLOCK_HOURS = 3

CATEGORY_CODE = r"^[a-z][a-z0-9_]{0,39}$"
QUESTION_CODE = r"^[a-z][a-z0-9_]{0,39}$"
ORGANISATION_KEY = r"^(org:[0-9]{6}-[0-9]{4}|dept:[0-9]{4}:[a-z0-9_-]{1,40})$"


class Source(StrEnum):
    """Who brought the tip in."""

    PUBLIC = "public"  # a resident, on the form or the JSON route
    OPEN311 = "open311"  # a resident, through an Open311 client
    REPORTER = "reporter"  # a designated reporter of a partner organisation
    DIALOGUE = "dialogue"  # raised at a citizen dialogue, entered by staff


class Status(StrEnum):
    RECEIVED = "received"
    TRIAGED = "triaged"
    FORWARDED = "forwarded"
    CLOSED = "closed"


class Outcome(StrEnum):
    FIXED = "fixed"
    NOT_OURS = "not_ours"
    NO_ACTION = "no_action"


class Divert(StrEnum):
    """Where a resident is sent instead of submitting."""

    EMERGENCY = "emergency"  # danger now: call 112
    POLICE = "police"  # a police matter, not urgent: call 114 14


DIVERT_NUMBER = {Divert.EMERGENCY: "112", Divert.POLICE: "114 14"}


class ReporterKind(StrEnum):
    HOUSING_COMPANY = "housing_company"
    SECURITY_COMPANY = "security_company"
    SCHOOL = "school"
    MUNICIPAL_UNIT = "municipal_unit"
    POLICE = "police"
    OTHER = "other"


class QuestionKind(StrEnum):
    TEXT = "text"
    SINGLE = "single"
    MULTIPLE = "multiple"


# A tip moves forward only, and a closed tip stays closed.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.TRIAGED, Status.FORWARDED, Status.CLOSED}),
    Status.TRIAGED: frozenset({Status.FORWARDED, Status.CLOSED}),
    Status.FORWARDED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


def time_block(moment: datetime) -> datetime:
    """The start of the block of local hours that holds the moment."""
    local = moment.astimezone(LOCAL_TIME)
    hour = local.hour - local.hour % TIME_BLOCK_HOURS
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def time_block_end(start: datetime) -> datetime:
    return (start + timedelta(hours=TIME_BLOCK_HOURS)).astimezone(LOCAL_TIME)
