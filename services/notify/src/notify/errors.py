"""The notify service's expected failures, rendered as RFC 9457 problems."""

from typing import Any

from shared.problems import Conflict, InvalidInput, NotFound


class StakeholderNotFound(NotFound):
    title = "Stakeholder not found"


class ContactNotFound(NotFound):
    title = "Contact not found"


class WebhookNotFound(NotFound):
    title = "Webhook not found"


class NotificationNotFound(NotFound):
    title = "Notification not found"


class MessageNotFound(NotFound):
    title = "Message not found"


class CapAlertNotFound(NotFound):
    title = "CAP alert not found"


class StakeholderKeyTaken(Conflict):
    title = "The municipality already has a stakeholder with this key"


class NotResendable(Conflict):
    title = "The notification cannot be sent again"


class InvalidField(InvalidInput):
    """One field is wrong in a way the schema cannot say; the pointer names it."""

    def __init__(self, pointer: str, detail: str, **extensions: Any) -> None:
        super().__init__(detail, errors=[{"detail": detail, "pointer": pointer}], **extensions)


class WebhookTargetRefused(InvalidField):
    title = "Webhook target refused"
