"""From a claimed notification to what its channel sends: rendered, personalised, signed."""

import json
import uuid
from dataclasses import dataclass
from typing import Any

from notify import links
from notify.channels.email import EmailJob, EmailTemplate, fill, template
from notify.channels.sms import SmsJob
from notify.channels.webhook import WebhookJob
from notify.config import Settings
from notify.domain import Channel, RecipientKind
from notify.render import Content, Renderer

CACHE_SIZE = 2000


@dataclass(frozen=True)
class Claimed:
    """A notification the dispatcher has claimed, with what sending it needs."""

    id: uuid.UUID
    message_id: uuid.UUID
    channel: str
    address: str | None
    language: str
    recipient_kind: str
    recipient_id: uuid.UUID | None
    attempts: int
    attempt_budget: int
    stakeholder_key: str | None
    stakeholder_name: str | None
    secret: str | None


@dataclass(frozen=True)
class MessageFacts:
    id: uuid.UUID
    event_id: str
    event_type: str
    kind: str
    municipality_code: str | None
    payload: dict[str, Any]


Job = EmailJob | SmsJob | WebhookJob


class Composer:
    """Renders each message once per language and kind of recipient, then fills in links."""

    def __init__(self, settings: Settings, renderer: Renderer) -> None:
        self._settings = settings
        self._renderer = renderer
        self._secret = settings.public.link_secret.get_secret_value()
        self._base = settings.public.base_url.rstrip("/")
        self._contents: dict[tuple[Any, ...], Content] = {}
        self._emails: dict[tuple[Any, ...], EmailTemplate] = {}
        self._bodies: dict[uuid.UUID, bytes] = {}

    def job(self, claimed: Claimed, message: MessageFacts) -> Job:
        assert claimed.address is not None
        if claimed.channel == Channel.WEBHOOK:
            return WebhookJob(
                claimed.id, claimed.address, claimed.secret or "", self._body(message)
            )
        if claimed.channel == Channel.SMS:
            content = self._content(claimed, message)
            report = self.report_url(claimed.id) if self._settings.sms.delivery_reports else None
            text = content.filled(content.sms, *self.urls(claimed))
            return SmsJob(claimed.id, claimed.address, text, report)
        key = self._key(claimed, message)
        if key not in self._emails:
            self._trim(self._emails)
            sender = self._settings.smtp.sender
            content = self._content(claimed, message)
            self._emails[key] = template(content, sender, claimed.language)
        unsubscribe, confirm = self.urls(claimed)
        domain = self._settings.smtp.message_id_domain
        data = fill(self._emails[key], claimed.id, claimed.address, domain, unsubscribe, confirm)
        return EmailJob(claimed.id, claimed.address, data)

    def urls(self, claimed: Claimed) -> tuple[str, str]:
        """The recipient's unsubscribe link and (for a resident) confirmation link."""
        assert claimed.recipient_id is not None
        if claimed.recipient_kind == RecipientKind.CONTACT:
            token = links.make(self._secret, links.Purpose.CONTACT_OPT_OUT, claimed.recipient_id)
            return f"{self._base}/contacts/opt-out/{token}", ""
        manage = links.make(self._secret, links.Purpose.MANAGE, claimed.recipient_id)
        confirm = links.make(self._secret, links.Purpose.CONFIRM, claimed.recipient_id)
        return (
            f"{self._base}/subscriptions/unsubscribe/{manage}",
            f"{self._base}/subscriptions/confirm/{confirm}",
        )

    def report_url(self, notification_id: uuid.UUID) -> str:
        token = links.make(self._secret, links.Purpose.DELIVERY_REPORT, notification_id)
        return f"{self._base}/sms/delivery-reports/{token}"

    def _key(self, claimed: Claimed, message: MessageFacts) -> tuple[Any, ...]:
        return (message.id, claimed.language, claimed.recipient_kind, claimed.stakeholder_key)

    def _content(self, claimed: Claimed, message: MessageFacts) -> Content:
        key = self._key(claimed, message)
        if key not in self._contents:
            self._trim(self._contents)
            self._contents[key] = self._renderer.render(
                message.kind,
                claimed.language,
                message.payload.get("data", {}),
                municipality_code=message.municipality_code,
                audience=claimed.recipient_kind,
                stakeholder_key=claimed.stakeholder_key,
                stakeholder_name=claimed.stakeholder_name,
            )
        return self._contents[key]

    def _body(self, message: MessageFacts) -> bytes:
        if message.id not in self._bodies:
            self._trim(self._bodies)
            self._bodies[message.id] = json.dumps(message.payload, ensure_ascii=False).encode()
        return self._bodies[message.id]

    @staticmethod
    def _trim(cache: dict[Any, Any]) -> None:
        if len(cache) >= CACHE_SIZE:
            cache.clear()
