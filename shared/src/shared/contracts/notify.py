"""Events the notify service publishes on trygg.notify.events.

They say what became of a notification and carry no personal data: no address, no name, no
message text; only ids, the channel, the kind of recipient and the status. A delivery log can
be rebuilt from them, and a resident's erasure request touches nothing on Kafka.
"""

import uuid
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from shared.events import Contract, register

Channel = Literal["email", "sms", "webhook"]
RecipientKind = Literal["resident", "contact", "webhook"]
FailureStatus = Literal["temporary-failure", "permanent-failure", "technical-failure"]


class _NotificationOutcome(Contract):
    source: ClassVar[str] = "/notify"
    aggregate_type: ClassVar[str] = "notification"

    notification_id: uuid.UUID = Field(
        description="Also the email Message-ID, the SMS reference and the webhook-id."
    )
    message_id: uuid.UUID = Field(description="The message this notification carried.")
    cause_event_id: str = Field(
        description="The CloudEvents id of the event that caused the message; for a message "
        "sent through the API, `api:<message id>`."
    )
    cause_event_type: str
    municipality_code: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    channel: Channel
    recipient_kind: RecipientKind
    attempts: int = Field(ge=1, description="Delivery attempts made, this one included.")

    def aggregate_id(self) -> str:
        return str(self.notification_id)


@register
class NotificationDelivered(_NotificationOutcome):
    """A notification reached its recipient's provider: the mail server took the email, the
    SMS gateway reported delivery (or took the SMS), or the webhook receiver answered 2xx.

    Delivery is at least once: a receiver that sees the same notification id twice has the
    same message twice.
    """

    wire_type: ClassVar[str] = "se.trygg.notify.notification.delivered.v1"

    delivered_at: AwareDatetime


@register
class NotificationFailed(_NotificationOutcome):
    """A notification will not be delivered: refused for good (`permanent-failure`), or still
    failing when its attempts ran out (`temporary-failure`, `technical-failure`).

    `reason` is a short code such as `smtp-550`, `http-410` or `private-address`, never the
    provider's own text (it may quote the address).
    """

    wire_type: ClassVar[str] = "se.trygg.notify.notification.failed.v1"

    status: FailureStatus
    reason: str = Field(max_length=100)
    failed_at: AwareDatetime
