"""The patrols vocabulary and its rules: where incidents come from, the grid hot spots are cells
of, and the statuses of a round and its visits."""

from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.columns import utcnow as utcnow  # one clock for models and use cases

# Shifts, days and "the evening" are Swedish local time.
LOCAL_TIME = ZoneInfo("Europe/Stockholm")

# Hot spots are squares of the national grid, SWEREF 99 TM (EPSG:3006), in metres; the same
# grid tips coarsen their places to, so a tip's square is a hot spot's square or inside one.
GRID_SRID = 3006
CELL_SIZES_M = (100, 125, 150, 200, 250)

CATEGORY_CODE = r"^[a-z][a-z0-9_]{0,39}$"


class IncidentSource(StrEnum):
    """Where an incident came from."""

    POLICE = "police"  # reported by the police over REST
    MUNICIPALITY = "municipality"  # a municipal unit or a partner reporting over REST
    TIP = "tip"  # a tip, from tips' `tip.received` (its place already coarsened)
    WALK = "walk"  # a negative observation of a safety walk, from walks' `walk.conducted`
    ROUND = "round"  # an observation made during a patrol round


# What staff report over REST; the others arrive from events and rounds.
REPORTED_SOURCES = (IncidentSource.POLICE, IncidentSource.MUNICIPALITY)


class RoundStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class VisitStatus(StrEnum):
    PLANNED = "planned"
    CHECKED_IN = "checked_in"
    DONE = "done"
    MISSED = "missed"
