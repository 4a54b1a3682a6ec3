"""The notify service's expected failures, rendered as RFC 9457 problems."""

from shared.problems import Conflict, NotFound
from shared.problems import InvalidField as InvalidField  # the capabilities raise it from here


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


class WebhookTargetRefused(InvalidField):
    title = "Webhook target refused"
