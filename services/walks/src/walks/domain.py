"""The walks vocabulary and its rules: statuses and their transitions, the default taxonomy."""

import re
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.columns import utcnow as utcnow  # one clock for models and use cases

# Walks happen in Sweden; "the date of a walk" and "overdue" are Swedish calendar days.
LOCAL_TIME = ZoneInfo("Europe/Stockholm")
# Keeps a walk's observations (carried in walk.conducted) well inside one Kafka record.
MAX_OBSERVATIONS_PER_WALK = 1000


class WalkStatus(StrEnum):
    PLANNED = "planned"
    CONDUCTED = "conducted"
    PROTOCOL_PUBLISHED = "protocol_published"
    FOLLOWED_UP = "followed_up"


class LightCondition(StrEnum):
    """When the walk takes place."""

    DAYLIGHT = "daylight"
    AFTER_DARK = "after_dark"


class ObservedLight(StrEnum):
    """The light at the place when it was observed."""

    DAYLIGHT = "daylight"
    TWILIGHT = "twilight"
    DARK = "dark"


class ParticipantRole(StrEnum):
    RESIDENT = "resident"
    POLICE = "police"
    MUNICIPAL_OFFICIAL = "municipal_official"
    POLITICIAN = "politician"
    PROPERTY_OWNER = "property_owner"
    BUSINESS = "business"
    SCHOOL = "school"
    ASSOCIATION = "association"
    YOUTH = "youth"


class Sentiment(StrEnum):
    """Whether the place felt unsafe (negative) or safe and pleasant (positive)."""

    POSITIVE = "positive"
    NEGATIVE = "negative"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Perspective(StrEnum):
    """Whose safety the observation speaks for ("trygghet för vem?")."""

    EVERYONE = "everyone"
    WOMEN = "women"
    MEN = "men"
    CHILDREN = "children"
    YOUTH = "youth"
    ELDERLY = "elderly"
    PEOPLE_WITH_DISABILITIES = "people_with_disabilities"


class PlanStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class MeasureStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    REJECTED = "rejected"


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


MEASURE_TRANSITIONS: dict[MeasureStatus, frozenset[MeasureStatus]] = {
    MeasureStatus.PROPOSED: frozenset({MeasureStatus.ACCEPTED, MeasureStatus.REJECTED}),
    # A small fix may be done at once; a measure found infeasible later may still be rejected.
    MeasureStatus.ACCEPTED: frozenset(
        {MeasureStatus.IN_PROGRESS, MeasureStatus.DONE, MeasureStatus.REJECTED}
    ),
    MeasureStatus.IN_PROGRESS: frozenset({MeasureStatus.DONE, MeasureStatus.REJECTED}),
    MeasureStatus.DONE: frozenset(),
    MeasureStatus.REJECTED: frozenset(),
}
OPEN_MEASURE_STATUSES = (
    MeasureStatus.PROPOSED,
    MeasureStatus.ACCEPTED,
    MeasureStatus.IN_PROGRESS,
)

# The observation categories of safety walks, aligned with Boverket's guide and BoTryggt2030;
# a municipality may relabel, retire or add categories.
DEFAULT_CATEGORIES: dict[str, str] = {
    "lighting": "Belysning",
    "vegetation_sight_lines": "Grönska och siktlinjer",
    "orientation": "Orienterbarhet",
    "maintenance": "Skötsel, nedskräpning och klotter",
    "access_paths": "Gångvägar och framkomlighet",
    "traffic": "Trafik",
    "people_activity": "Folkliv och aktivitet",
    "other": "Övrigt",
}
CATEGORY_CODE = r"^[a-z][a-z0-9_]{1,39}$"
ORG_NUMBER = re.compile(r"^([0-9]{6})-?([0-9]{4})$")


def may_change_measure(current: MeasureStatus, to: MeasureStatus) -> bool:
    return to in MEASURE_TRANSITIONS[current]


def normal_org_number(number: str) -> str:
    """NNNNNN-NNNN, the form organisations are matched on across services."""
    match = ORG_NUMBER.match(number)
    assert match is not None
    return f"{match[1]}-{match[2]}"


def local_time(moment: datetime) -> datetime:
    """The moment in Swedish time; one at the calendar's edge (stored year 1 or 9999) stays UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        return aware.astimezone(LOCAL_TIME)
    except (OverflowError, ValueError):
        return aware


def local_date(moment: datetime) -> date:
    return local_time(moment).date()


def today() -> date:
    return local_date(utcnow())
