"""From a claimed notification to what its channel sends: rendered, personalised, signed.

An email is built and encoded once per rendering with the standard library and then filled
in per recipient (address, Message-ID, links), so sending to many people costs a few byte
replacements and joins each rather than a MIME build. The Message-ID is the notification id,
the receiver's key for dropping a duplicate of an at-least-once delivery.

Both parts are quoted-printable: no line of the message is longer than 76 octets whatever the
text (a 4,000-character line sent as 8bit broke SMTP's limit of 998 and every send with it).
The recipient's links are not in the encoded text but between its pieces, each piece encoded
on its own and ended by a soft line break, so a link is put in without re-encoding the part.
"""

import email.policy
import email.quoprimime as quoprimime
import email.utils
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from notify import links
from notify.config import Settings
from notify.domain import Channel, MessageKind, RecipientKind
from notify.messaging.channels.email import EmailJob
from notify.messaging.channels.sms import SmsJob
from notify.messaging.channels.webhook import WebhookJob
from notify.messaging.render import Content, Renderer

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
    traceparent: str | None = None
    # An SMS whose earlier attempt may have reached the gateway: looked up before any send.
    unsure: bool = False
    created_at: datetime | None = None


@dataclass(frozen=True)
class MessageFacts:
    id: uuid.UUID
    event_id: str
    event_type: str
    kind: str
    municipality_code: str | None
    payload: dict[str, Any]
    told_data: dict[str, Any] | None = None

    @property
    def data(self) -> dict[str, Any]:
        """What the templates render: what residents are told, or else the event's data."""
        return self.payload.get("data", {}) if self.told_data is None else self.told_data


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
        personal = self._links(claimed, message)
        if claimed.channel == Channel.SMS:
            content = self._content(claimed, message)
            report = self.report_url(claimed.id) if self._settings.sms.delivery_reports else None
            text = content.filled(content.sms, *personal)
            return SmsJob(claimed.id, claimed.address, text, report)
        key = self._key(claimed, message)
        if key not in self._emails:
            self._trim(self._emails)
            sender = self._settings.smtp.sender
            content = self._content(claimed, message)
            listed = message.kind != MessageKind.TRANSACTIONAL
            self._emails[key] = template(content, sender, claimed.language, unsubscribe=listed)
        domain = self._settings.smtp.message_id_domain
        data = fill(self._emails[key], claimed.id, claimed.address, domain, *personal)
        return EmailJob(claimed.id, claimed.address, data)

    def _links(self, claimed: Claimed, message: MessageFacts) -> tuple[str, str]:
        # A message to one person answers what they asked for: nothing to unsubscribe from.
        if message.kind == MessageKind.TRANSACTIONAL:
            return "", ""
        return self.urls(claimed)

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
                message.data,
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


TO = "recipient@placeholder.invalid"
MESSAGE_ID = "<message-id@placeholder.invalid>"
DATE = "Thu, 01 Jan 1970 00:00:00 -0000"
# Where the parts' encoded text goes in the built message; letters only, so encoding keeps them.
TEXT_BODY = "TRYGGTEXTBODYPLACEHOLDER"
HTML_BODY = "TRYGGHTMLBODYPLACEHOLDER"
SOFT_BREAK = b"=\r\n"


@dataclass(frozen=True)
class EmailTemplate:
    """A message for everyone its rendering is for: encoded pieces, and between them the
    placeholders of the recipient's links (the strings of `pieces`)."""

    pieces: tuple[bytes | str, ...]
    unsubscribe: str
    confirm: str


def template(
    content: Content, sender: str, language: str, *, unsubscribe: bool = True
) -> EmailTemplate:
    """The message with placeholders for what differs per recipient; `unsubscribe` for a
    message someone may stop (a subscription's, a contact's), not for an answer to one person."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = TO
    message["Subject"] = content.subject
    message["Date"] = DATE
    message["Message-ID"] = MESSAGE_ID
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe:
        # RFC 8058: mail clients offer one-click unsubscribe by POSTing to this URL.
        message["List-Unsubscribe"] = f"<{content.unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(TEXT_BODY, cte="quoted-printable")
    message.add_alternative(HTML_BODY, subtype="html", cte="quoted-printable")
    # After the content: setting the content clears every Content-* header.
    message["Content-Language"] = language
    head, rest = message.as_bytes().split(f"{TEXT_BODY}\r\n".encode())
    middle, tail = rest.split(f"{HTML_BODY}\r\n".encode())
    links = (content.unsubscribe, content.confirm)
    pieces = (head, *_encoded(content.text, links), middle, *_encoded(content.html, links), tail)
    return EmailTemplate(pieces, content.unsubscribe, content.confirm)


def _encoded(text: str, links: tuple[str, str]) -> list[bytes | str]:
    """A part's text quoted-printable, piece by piece, with its link placeholders kept out."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"  # the boundary that follows starts a line of its own
    split = re.split("(" + "|".join(map(re.escape, links)) + ")", text)
    return [
        p if p in links else _quoted(p) + (b"" if p.endswith("\n") else SOFT_BREAK)
        for p in split
        if p
    ]


def _quoted(text: str) -> bytes:
    # The email package's encoder, not binascii's: that one lets lines grow to 78 octets.
    latin = text.encode().decode("latin-1")
    return quoprimime.body_encode(latin, maxlinelen=76, eol="\r\n").encode("ascii")


def fill(
    template: EmailTemplate,
    notification_id: uuid.UUID,
    to: str,
    domain: str,
    unsubscribe_url: str,
    confirm_url: str = "",
) -> bytes:
    """The message for one recipient."""
    head = template.pieces[0]
    assert isinstance(head, bytes)
    head = (
        head.replace(TO.encode(), to.encode(), 1)
        .replace(MESSAGE_ID.encode(), f"<{notification_id}@{domain}>".encode(), 1)
        .replace(DATE.encode(), email.utils.formatdate().encode(), 1)
        .replace(template.unsubscribe.encode(), unsubscribe_url.encode(), 1)
    )
    links = {
        template.unsubscribe: _quoted(unsubscribe_url) + SOFT_BREAK,
        template.confirm: _quoted(confirm_url) + SOFT_BREAK,
    }
    body = (p if isinstance(p, bytes) else links[p] for p in template.pieces[1:])
    return head + b"".join(body)
