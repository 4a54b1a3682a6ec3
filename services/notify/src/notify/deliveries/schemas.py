"""Request and response models of the delivery log and of transactional sends (staff)."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from notify.domain import Channel, Language, RecipientKind, Status, Topic
from notify.fields import (
    NO_NUL,
    Email,
    Input,
    LongText,
    MunicipalityCode,
    Phone,
    ShortText,
    StakeholderKey,
)
from shared import geo
from shared.pagination import Page


class AttemptRead(BaseModel):
    attempt: int
    outcome: Status
    detail: str | None
    provider_ref: str | None
    started_at: datetime
    finished_at: datetime


class NotificationRead(BaseModel):
    """One notification as staff see it: the address is masked."""

    id: uuid.UUID = Field(description="Also the email Message-ID, SMS reference, webhook-id.")
    message_id: uuid.UUID
    kind: str
    event_type: str
    plan_id: uuid.UUID | None
    municipality_code: str | None
    recipient_kind: RecipientKind
    recipient_id: uuid.UUID | None = Field(
        description="Null once the recipient was erased, and for a message to one person "
        "(`POST /direct-messages`), who is known by the address alone."
    )
    stakeholder_id: uuid.UUID | None
    channel: Channel
    address: str | None = Field(description="Masked; null once the recipient was erased.")
    language: str
    status: Status
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None


class NotificationDetail(NotificationRead):
    """A notification and every delivery attempt made."""

    attempt_log: list[AttemptRead]


NotificationPage = Page[NotificationRead]


class StatusCounts(BaseModel):
    """How many notifications have each status, in all and per channel."""

    total: int
    by_status: dict[Status, int]
    by_channel: dict[Channel, dict[Status, int]]


class Localized(Input):
    sv: ShortText
    en: ShortText | None = None


class LocalizedLong(Input):
    sv: LongText
    en: LongText | None = None


class Audience(Input):
    """Whom to tell: residents and organisations of an area, and named organisations."""

    area: geo.Area | None = None
    locality: ShortText | None = Field(default=None, description="Instead of an area.")
    buffer_m: StrictInt = Field(default=0, ge=0, le=5000)
    stakeholder_keys: list[StakeholderKey] = Field(default_factory=list, max_length=100)
    residents: StrictBool = True
    stakeholders_in_area: StrictBool = True


MESSAGE_EXAMPLE: dict[str, Any] = {
    "municipality_code": "0683",
    "topic": "measures_done",
    "subject": {"sv": "Gatubelysningen på Storgatan är lagad", "en": "Storgatan's lights fixed"},
    "body": {"sv": "Alla armaturer på Storgatan lyser igen sedan i går kväll."},
    "link": "https://www.varnamo.se/trygghet",
    "audience": {"locality": "Forsheda", "buffer_m": 100},
}


class MessageCreate(Input):
    """A message from another municipal system to an audience, through residents' channels."""

    model_config = ConfigDict(json_schema_extra={"examples": [MESSAGE_EXAMPLE]})

    municipality_code: MunicipalityCode
    topic: Topic = Field(description="Residents hear of it only if they subscribe to this.")
    subject: Localized
    body: LocalizedLong
    link: HttpUrl | None = None
    audience: Audience


Reference = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=NO_NUL)
]
DIRECT_MESSAGE_EXAMPLE: dict[str, Any] = {
    "municipality_code": "0683",
    "email": "anna@example.se",
    "language": "sv",
    "subject": "Ditt tips är mottaget",
    "body": "Tack för ditt tips om en otrygg plats, mottaget 28 november 2026. Referens: 3D5B8F9E.",
    "reference": "tip:3d5b8f9e-4c1a-4e2b-9f6d-2a7c8e1b0d44:acknowledgement",
}


class DirectMessageCreate(Input):
    """A message to one person who asked the calling system to hear back: an answer, not news.

    It needs no subscription or topic and reaches no audience; the address is used for this
    message only. An email address and a phone number both given: one message each.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [DIRECT_MESSAGE_EXAMPLE]})

    municipality_code: MunicipalityCode
    email: Email | None = None
    phone: Phone | None = None
    language: Language = Field(description="The language the subject and body are written in.")
    subject: ShortText = Field(description="The email's subject; an SMS carries the body only.")
    body: LongText
    reference: Reference | None = Field(
        default=None,
        description="The caller's own reference, kept with the message; no personal data.",
    )

    @model_validator(mode="after")
    def _one_way_to_reach(self) -> Self:
        if self.email is None and self.phone is None:
            raise ValueError("give an email address, a phone number or both")
        return self


class MessageRead(BaseModel):
    id: uuid.UUID
    kind: str
    event_id: str
    event_type: str
    topic: str | None
    municipality_code: str | None
    plan_id: uuid.UUID | None
    created_by: str | None
    created_at: datetime
    counts: StatusCounts


MessagePage = Page[MessageRead]
