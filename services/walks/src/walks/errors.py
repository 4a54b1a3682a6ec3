"""The walks service's expected failures, rendered as RFC 9457 problems."""

from shared.problems import Conflict, NotFound
from shared.problems import InvalidField as InvalidField  # the capabilities raise it from here


class WalkNotFound(NotFound):
    title = "Walk not found"


class ParticipantNotFound(NotFound):
    title = "Participant not found"


class ObservationNotFound(NotFound):
    title = "Observation not found"


class ProtocolNotFound(NotFound):
    title = "Protocol not found"


class PlanNotFound(NotFound):
    title = "Action plan not found"


class MeasureNotFound(NotFound):
    title = "Measure not found"


class WalkStatusConflict(Conflict):
    title = "Not allowed in the walk's status"


class PlanStatusConflict(Conflict):
    title = "Not allowed in the action plan's status"


class PlanUnchanged(Conflict):
    title = "Nothing in the action plan has changed since it was last published"


class MeasureTransitionNotAllowed(Conflict):
    title = "Measure status change not allowed"


class ObservationIdTaken(Conflict):
    title = "Observation id already used"


class TooManyObservations(Conflict):
    title = "Too many observations for one walk"
