"""Incidents counted on the grid: per cell, by block of hours and by weekday (Swedish time)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols import grid
from patrols.domain import GRID_SRID, LOCAL_TIME
from patrols.grid import Cell
from patrols.incidents.models import Incident

# Tips' times are three-hour blocks of Swedish time from midnight (00-03, 03-06, ...); every
# incident's time is counted in such a block, so a tip's block lands whole in one bucket.
HOURS_PER_BLOCK = 3
BLOCKS = 24 // HOURS_PER_BLOCK
WEEKDAYS = 7


@dataclass(frozen=True)
class Period:
    """Whole days of Swedish time, both ends included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), LOCAL_TIME)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(), LOCAL_TIME)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class IncidentFilter:
    municipality: str
    period: Period
    category: str | None = None
    source: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions = [
            col(Incident.municipality_code) == self.municipality,
            col(Incident.occurred_at) >= self.period.start,
            col(Incident.occurred_at) < self.period.end,
        ]
        if self.category is not None:
            conditions.append(col(Incident.category) == self.category)
        if self.source is not None:
            conditions.append(col(Incident.source) == self.source)
        return conditions


@dataclass
class Tally:
    """Incidents with a point, per cell; those without one are only counted."""

    counts: dict[Cell, int] = field(default_factory=dict)
    blocks: dict[Cell, list[int]] = field(default_factory=dict)  # BLOCKS per cell
    weekdays: dict[Cell, list[int]] = field(default_factory=dict)  # Monday first
    unplaced: int = 0

    @property
    def placed(self) -> int:
        return sum(self.counts.values())


def _local(part: str) -> ColumnElement[Any]:
    return func.extract(part, func.timezone(LOCAL_TIME.key, col(Incident.occurred_at)))


async def tally(session: AsyncSession, where: IncidentFilter, size: int) -> Tally:
    """The filter's incidents on the grid of this cell size."""
    point = grid.projected(col(Incident.location))
    cells = (
        select(
            grid.column_of(point, size).label("c"),
            grid.row_of(point, size).label("r"),
            (func.floor(_local("hour") / HOURS_PER_BLOCK)).cast(Integer).label("block"),
            _local("isodow").cast(Integer).label("weekday"),
        )
        .where(*where.conditions(), col(Incident.location).is_not(None))
        .subquery()
    )
    keys = (cells.c.c, cells.c.r, cells.c.block, cells.c.weekday)
    conn = await session.connection()
    rows = await conn.execute(sa_select(*keys, func.count()).group_by(*keys))
    result = Tally(unplaced=await _unplaced(session, where))
    blocks: dict[Cell, list[int]] = defaultdict(lambda: [0] * BLOCKS)
    weekdays: dict[Cell, list[int]] = defaultdict(lambda: [0] * WEEKDAYS)
    for c, r, block, weekday, count in rows:
        blocks[(c, r)][block] += count
        weekdays[(c, r)][weekday - 1] += count
        result.counts[(c, r)] = result.counts.get((c, r), 0) + count
    result.blocks, result.weekdays = dict(blocks), dict(weekdays)
    return result


async def _unplaced(session: AsyncSession, where: IncidentFilter) -> int:
    query = select(func.count()).where(*where.conditions(), col(Incident.location).is_(None))
    return int((await session.exec(query)).one())


async def has_placed_incident_near(
    session: AsyncSession, municipality: str, east: float, north: float, metres: float
) -> bool:
    """Whether any of the municipality's incidents, of any time, lies within `metres`."""
    here = func.ST_SetSRID(func.ST_MakePoint(east, north), GRID_SRID)
    query = (
        select(col(Incident.id))
        .where(
            col(Incident.municipality_code) == municipality,
            col(Incident.location).is_not(None),
            func.ST_DWithin(grid.projected(col(Incident.location)), here, metres),
        )
        .limit(1)
    )
    return (await session.exec(query)).first() is not None
