"""The tips service's expected failures, rendered as RFC 9457 problems."""

from shared.problems import Conflict, Forbidden, InvalidInput, NotFound
from shared.problems import InvalidField as InvalidField  # the capabilities raise it from here


class TipNotFound(NotFound):
    title = "Tip not found"


class CategoryNotFound(NotFound):
    title = "Category not found"


class ReporterNotFound(NotFound):
    title = "Reporter not found"


class DialogueNotFound(NotFound):
    title = "Dialogue not found"


class PhotoNotFound(NotFound):
    title = "Photo not found"


class TipIdTaken(Conflict):
    """The client chose an id that already names another submission."""

    title = "The tip id is already used by another submission"


class TipStatusConflict(Conflict):
    title = "The tip's status does not allow this"


class EmergencyDivert(InvalidInput):
    """Not submitted: the answers say this is a matter for 112 (or 114 14) now."""

    title = "Call the emergency number instead"

    def __init__(self, detail: str, number: str) -> None:
        super().__init__(detail, call=number)


class RestrictedTip(Forbidden):
    title = "The tip is restricted to the police"


class NotAReporter(Forbidden):
    title = "The token is not a designated reporter of the municipality"
