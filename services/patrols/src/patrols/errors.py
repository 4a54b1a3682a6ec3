"""The patrols service's expected failures, rendered as RFC 9457 problems."""

from shared.problems import Conflict, NotFound
from shared.problems import InvalidField as InvalidField  # the capabilities raise it from here


class IncidentNotFound(NotFound):
    title = "Incident not found"


class HotSpotNotFound(NotFound):
    title = "Hot spot not found"


class RoundNotFound(NotFound):
    title = "Round not found"


class VisitNotFound(NotFound):
    title = "Visit not found"


class IncidentIdTaken(Conflict):
    """The source's id already names another incident."""

    title = "The external id is already used by another incident"


class HotSpotConflict(Conflict):
    title = "The hot spot's state does not allow this"


class RoundStatusConflict(Conflict):
    title = "The round's or visit's status does not allow this"
