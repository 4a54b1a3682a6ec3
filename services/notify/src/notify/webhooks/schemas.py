"""Request and response models of integrators' webhooks (staff)."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from notify.fields import Input, MunicipalityCode, ShortText
from shared.pagination import Page

# The events an integrator can have delivered; the worker's routing table handles each.
EventType = Literal[
    "se.trygg.walks.action_plan.published.v1",
    "se.trygg.walks.action_plan.revised.v1",
    "se.trygg.walks.action_plan.withdrawn.v1",
    "se.trygg.walks.measure.status_changed.v1",
    "se.trygg.walks.walk.scheduled.v1",
    "se.trygg.walks.walk.rescheduled.v1",
    "se.trygg.patrols.round.completed.v1",
    "se.trygg.patrols.promise.signed.v1",
    "se.trygg.patrols.promise.followed_up.v1",
]

WEBHOOK_EXAMPLE: dict[str, Any] = {
    "municipality_code": "0683",
    "url": "https://integration.example.se/trygg/events",
    "event_types": ["se.trygg.walks.action_plan.published.v1"],
    "description": "Kommunens ärendesystem",
}


class WebhookCreate(Input):
    """Where to POST events of the given types, signed per Standard Webhooks."""

    model_config = ConfigDict(json_schema_extra={"examples": [WEBHOOK_EXAMPLE]})

    municipality_code: MunicipalityCode
    url: HttpUrl = Field(description="Must resolve to public addresses only.")
    event_types: list[EventType] = Field(min_length=1, max_length=20)
    description: ShortText | None = None


class WebhookRead(BaseModel):
    id: uuid.UUID
    municipality_code: str
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    created_at: datetime


class WebhookCreated(WebhookRead):
    """The new webhook, with its signing secret: shown this once, keep it."""

    secret: str = Field(description="`whsec_…`, the key of the `webhook-signature` HMAC.")


WebhookPage = Page[WebhookRead]
