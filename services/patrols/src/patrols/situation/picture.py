"""The live picture of a week, computed from incidents, hot spots and rounds as they are now.

Tips from designated reporters (rapportörer) arrive as incidents of source `tip`; who sent a
tip is not kept on the incident, so the picture counts them by source, not by reporter.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func
from sqlalchemy import select as sa_select
from sqlmodel import col, distinct, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols import grid
from patrols.domain import LOCAL_TIME, RoundStatus, VisitStatus
from patrols.errors import InvalidField
from patrols.hotspots.models import HotSpot
from patrols.incidents.models import Incident
from patrols.rounds.models import PatrolRound, Visit
from patrols.situation.schemas import (
    CategoryFigure,
    CellFigure,
    HotSpotFigure,
    LocalityFigure,
    LocalityRounds,
    Trend,
    WeekPicture,
)
from shared.problems import in_path

HISTORY_WEEKS = 4  # the mean of the weeks before is over this many
Series = list[int]  # counts per week, oldest first, the week itself last


@dataclass(frozen=True)
class Week:
    """An ISO week, Monday to Sunday in Swedish time."""

    year: int
    week: int

    @property
    def first(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def last(self) -> date:
        return self.first + timedelta(days=6)

    def start(self, weeks_before: int = 0) -> datetime:
        return datetime.combine(self.first - timedelta(weeks=weeks_before), time(), LOCAL_TIME)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), LOCAL_TIME)


def iso_week(year: int, week: int) -> Week:
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise InvalidField(in_path("week"), f"{year} has no ISO week {week}") from None
    return Week(year, week)


def _trend(series: Series) -> Trend:
    history = series[:HISTORY_WEEKS]
    return Trend(
        count=series[-1],
        previous=series[-2],
        change=series[-1] - series[-2],
        mean_4w=round(sum(history) / HISTORY_WEEKS, 2),
    )


def _current(series: Series) -> bool:
    """Whether a place or category belongs in the picture: seen this week or the one before."""
    return series[-1] > 0 or series[-2] > 0


def _new_series() -> Series:
    return [0] * (HISTORY_WEEKS + 1)


@dataclass
class _Counts:
    total: Series
    by_source: dict[str, int]
    localities: dict[str | None, Series]
    pairs: dict[tuple[str | None, str], Series]
    categories: dict[str, Series]
    cells: dict[grid.Cell, Series]


async def _counts(session: AsyncSession, municipality: str, week: Week, size: int) -> _Counts:
    point = grid.projected(col(Incident.location))
    monday = func.date_trunc("week", func.timezone(LOCAL_TIME.key, col(Incident.occurred_at)))
    keys = (
        monday.label("monday"),
        col(Incident.locality),
        col(Incident.category),
        col(Incident.source),
        grid.column_of(point, size).label("c"),
        grid.row_of(point, size).label("r"),
    )
    query = (
        sa_select(*keys, func.count().label("n"))
        .where(
            col(Incident.municipality_code) == municipality,
            col(Incident.occurred_at) >= week.start(HISTORY_WEEKS),
            col(Incident.occurred_at) < week.end,
        )
        .group_by(*keys)
    )
    counts = _Counts(
        _new_series(),
        defaultdict(int),
        defaultdict(_new_series),
        defaultdict(_new_series),
        defaultdict(_new_series),
        defaultdict(_new_series),
    )
    oldest = week.first - timedelta(weeks=HISTORY_WEEKS)
    conn = await session.connection()
    for row in await conn.execute(query):
        index = (row.monday.date() - oldest).days // 7
        counts.total[index] += row.n
        counts.localities[row.locality][index] += row.n
        counts.pairs[(row.locality, row.category)][index] += row.n
        counts.categories[row.category][index] += row.n
        if row.c is not None:
            counts.cells[(row.c, row.r)][index] += row.n
        if index == HISTORY_WEEKS:
            counts.by_source[row.source] += row.n
    return counts


def _categories(series: Iterable[tuple[str, Series]]) -> list[CategoryFigure]:
    figures = [
        CategoryFigure(category=category, **_trend(counts).model_dump())
        for category, counts in series
        if _current(counts)
    ]
    return sorted(figures, key=lambda figure: (-figure.count, figure.category))


def _localities(counts: _Counts) -> list[LocalityFigure]:
    figures = []
    for locality, series in counts.localities.items():
        if not _current(series):
            continue
        pairs = ((cat, s) for (loc, cat), s in counts.pairs.items() if loc == locality)
        figures.append(
            LocalityFigure(
                locality=locality, categories=_categories(pairs), **_trend(series).model_dump()
            )
        )
    return sorted(figures, key=lambda figure: (-figure.count, figure.locality or ""))


async def _cells(session: AsyncSession, counts: _Counts, size: int) -> list[CellFigure]:
    current = {cell: series for cell, series in counts.cells.items() if _current(series)}
    squares = await grid.squares(session, list(current), size)
    figures = [
        CellFigure(
            column=cell[0],
            row=cell[1],
            outline=squares[cell].outline,
            **_trend(series).model_dump(),
        )
        for cell, series in current.items()
    ]
    return sorted(figures, key=lambda figure: (-figure.count, figure.column, figure.row))


def _visits_in(week: Week) -> list[ColumnElement[bool]]:
    """Visits done by the municipality's completed rounds, by planned arrival in the week."""
    return [
        col(PatrolRound.status) == RoundStatus.COMPLETED,
        col(Visit.status) == VisitStatus.DONE,
        col(Visit.planned_arrival) >= week.start(),
        col(Visit.planned_arrival) < week.end,
    ]


async def _hot_spots(session: AsyncSession, municipality: str, week: Week) -> list[HotSpotFigure]:
    """Hot spots active in the week (in their period, not retired before it) and their dosage."""
    active = select(HotSpot).where(
        col(HotSpot.municipality_code) == municipality,
        col(HotSpot.period_start) <= week.last,
        col(HotSpot.period_end) >= week.first,
        col(HotSpot.designated_at) < week.end,
        or_(col(HotSpot.retired_at).is_(None), col(HotSpot.retired_at) >= week.start()),
    )
    dwell = func.extract("epoch", col(Visit.checked_out_at) - col(Visit.checked_in_at))
    dosage = (
        select(col(Visit.hot_spot_id), func.count(), func.coalesce(func.sum(dwell), 0))
        .join(PatrolRound, col(PatrolRound.id) == col(Visit.round_id))
        .where(col(PatrolRound.municipality_code) == municipality, *_visits_in(week))
        .group_by(col(Visit.hot_spot_id))
    )
    done = {row[0]: (int(row[1]), float(row[2])) for row in await session.exec(dosage)}
    figures = []
    for spot in await session.exec(active.order_by(col(HotSpot.name), col(HotSpot.id))):
        visits, seconds = done.get(spot.id, (0, 0.0))
        column, row = grid.cell_at(spot.cell_east, spot.cell_north, spot.cell_size_m)
        figures.append(
            HotSpotFigure(
                hot_spot_id=spot.id,
                name=spot.name,
                locality=spot.locality,
                column=column,
                row=row,
                visits_done=visits,
                minutes=round(seconds / 60, 2),
            )
        )
    return figures


async def _rounds_completed(session: AsyncSession, municipality: str, week: Week) -> int:
    query = select(func.count()).where(
        col(PatrolRound.municipality_code) == municipality,
        col(PatrolRound.status) == RoundStatus.COMPLETED,
        col(PatrolRound.completed_at) >= week.start(),
        col(PatrolRound.completed_at) < week.end,
    )
    return int((await session.exec(query)).one())


async def _rounds_by_locality(
    session: AsyncSession, municipality: str, week: Week
) -> list[LocalityRounds]:
    locality = col(HotSpot.locality)
    query = (
        select(locality, func.count(distinct(col(PatrolRound.id))))
        .select_from(Visit)
        .join(PatrolRound, col(PatrolRound.id) == col(Visit.round_id))
        .join(HotSpot, col(HotSpot.id) == col(Visit.hot_spot_id))
        .where(col(PatrolRound.municipality_code) == municipality, *_visits_in(week))
        .group_by(locality)
    )
    rows = sorted(await session.exec(query), key=lambda row: row[0] or "")
    return [LocalityRounds(locality=row[0], rounds=int(row[1])) for row in rows]


async def compute(session: AsyncSession, municipality: str, week: Week, size: int) -> WeekPicture:
    """The week's picture as the data stand now."""
    counts = await _counts(session, municipality, week, size)
    return WeekPicture(
        municipality_code=municipality,
        year=week.year,
        week=week.week,
        first_day=week.first,
        last_day=week.last,
        cell_size_m=size,
        total=_trend(counts.total),
        by_source=dict(sorted(counts.by_source.items())),
        localities=_localities(counts),
        categories=_categories(counts.categories.items()),
        cells=await _cells(session, counts, size),
        hot_spots=await _hot_spots(session, municipality, week),
        rounds_completed=await _rounds_completed(session, municipality, week),
        rounds_by_locality=await _rounds_by_locality(session, municipality, week),
    )
