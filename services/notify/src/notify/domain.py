"""The notify vocabulary: topics, channels, statuses, stakeholder kinds, and their small rules."""

import re
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.columns import utcnow as utcnow  # one clock for models and use cases
from shared.identifiers import e164, org_number_ok

# Residents' quiet hours and the dates in messages are Swedish local time.
LOCAL_TIME = ZoneInfo("Europe/Stockholm")


class Topic(StrEnum):
    """What a resident may subscribe to: `walk_invitations` (Trygghetsvandringar, safety
    walks), `action_plans` (Åtgärdsplaner, action plans), `measures_done` (Klara åtgärder,
    measures done), `patrol_feedback` (Trygghetsrundor, safety patrols: the rounds the police
    and the municipality made in the area) and `promise` (Medborgarlöftet, the citizens'
    promise: when the municipality's promise is signed and each follow-up of it, wherever the
    subscription's place is). A topic left out is not subscribed to."""

    WALK_INVITATIONS = "walk_invitations"
    ACTION_PLANS = "action_plans"
    MEASURES_DONE = "measures_done"
    PATROL_FEEDBACK = "patrol_feedback"
    PROMISE = "promise"


# How residents read each topic where they choose it, Swedish first.
TOPIC_LABELS: dict[Topic, dict[str, str]] = {
    Topic.WALK_INVITATIONS: {"sv": "Trygghetsvandringar", "en": "Safety walks"},
    Topic.ACTION_PLANS: {"sv": "Åtgärdsplaner", "en": "Action plans"},
    Topic.MEASURES_DONE: {"sv": "Klara åtgärder", "en": "Measures done"},
    Topic.PATROL_FEEDBACK: {"sv": "Trygghetsrundor", "en": "Safety patrols"},
    Topic.PROMISE: {"sv": "Medborgarlöftet", "en": "The citizens' promise"},
}


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


class Language(StrEnum):
    SV = "sv"
    EN = "en"


class Status(StrEnum):
    """Delivery statuses as GOV.UK Notify names them, and `cancelled` before any send."""

    CREATED = "created"
    SENDING = "sending"
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary-failure"
    PERMANENT_FAILURE = "permanent-failure"
    TECHNICAL_FAILURE = "technical-failure"
    CANCELLED = "cancelled"


FAILURES = (Status.TEMPORARY_FAILURE, Status.PERMANENT_FAILURE, Status.TECHNICAL_FAILURE)


class SubscriptionStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


class PlaceKind(StrEnum):
    POINT = "point"
    AREA = "area"
    LOCALITY = "locality"


class RecipientKind(StrEnum):
    RESIDENT = "resident"
    CONTACT = "contact"
    WEBHOOK = "webhook"


class MessageKind(StrEnum):
    """What a message is about; each kind has its templates."""

    CONFIRMATION = "confirmation"
    PLAN_PUBLISHED = "plan_published"
    PLAN_REVISED = "plan_revised"
    PLAN_WITHDRAWN = "plan_withdrawn"
    WALK_SCHEDULED = "walk_scheduled"
    WALK_RESCHEDULED = "walk_rescheduled"
    MEASURE_DONE = "measure_done"
    MEASURE_CHANGED = "measure_changed"
    ROUND_COMPLETED = "round_completed"  # a patrol round's places, told once a day each
    # The municipality's citizens' promise, told to the whole municipality.
    PROMISE_SIGNED = "promise_signed"
    PROMISE_FOLLOWED_UP = "promise_followed_up"
    DIRECT = "direct"  # from another municipal system to an audience (POST /messages)
    # To one person who asked to hear back in the calling system (POST /direct-messages):
    # no subscription, no topic, no audience, and so no unsubscribe link.
    TRANSACTIONAL = "transactional"


class StakeholderKind(StrEnum):
    SCHOOL = "school"
    BUSINESS = "business"
    ASSOCIATION = "association"
    HOUSING_COMPANY = "housing_company"
    MUNICIPAL_DEPARTMENT = "municipal_department"
    POLICE = "police"


ORG_KEY = re.compile(r"^org:([0-9]{6})-([0-9]{4})$")
DEPT_KEY = re.compile(r"^dept:([0-9]{4}):([A-Za-z0-9][A-Za-z0-9_.-]{0,39})$")
STAKEHOLDER_KEY = r"^(org:[0-9]{6}-[0-9]{4}|dept:[0-9]{4}:[A-Za-z0-9][A-Za-z0-9_.-]{0,39})$"


def key_problem(key: str, municipality: str) -> str | None:
    """Why a stakeholder's natural key cannot be used in this municipality; None when it can."""
    if match := ORG_KEY.match(key):
        ok = org_number_ok(match[1] + match[2])
        return None if ok else "not a Swedish organisation number (its check digit is wrong)"
    if match := DEPT_KEY.match(key):
        same = match[1] == municipality
        return None if same else "a department key names the stakeholder's own municipality"
    return "give `org:NNNNNN-NNNN` or `dept:<municipality code>:<department code>`"


def normal_phone(phone: str) -> str:
    """A Swedish or international number in E.164 (+46701234567), as SMS gateways want it.

    Input models have already refused a number that cannot exist (`shared.identifiers`)."""
    return e164(phone)


def normal_email(email: str) -> str:
    """Lower case, with an internationalised domain in its ASCII (IDNA) form."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local.lower()}@{domain.encode('idna').decode('ascii').lower()}"


def mask_address(address: str | None) -> str | None:
    """Enough of an address for staff to recognise it in a delivery log, not to harvest it."""
    if address is None:
        return None
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    if address.startswith("+"):
        return f"{address[:4]}***{address[-2:]}"
    return address
