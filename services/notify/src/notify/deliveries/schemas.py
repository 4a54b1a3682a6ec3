"""Request and response models of the delivery log and of transactional sends (staff)."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StrictBool, StrictInt

from notify.domain import Channel, RecipientKind, Status, Topic
from notify.fields import Input, LongText, MunicipalityCode, ShortText, StakeholderKey
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
    recipient_id: uuid.UUID | None = Field(description="Null once the recipient was erased.")
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
