"""Use cases of the ranking: a municipality's grid cells ranked by count and by Gi* over a
period, and the ranking's accuracy against a later period.

The cells considered are those meeting the municipality's localities (shared.localities) and
every cell within twice `neighbour_rings` of a counted incident's cell. Gi* needs the zeros
around the incidents, and a bounding box of a municipality's incidents is mostly forest and
lakes, whose zeros would make any street look hot; the localities are where people are, and a
place outside them with incidents brings its own surroundings. Twice the rings, so that every
cell whose neighbourhood holds an incident has all of its neighbourhood among the cells: a cell
at the edge, with a neighbourhood cut short, would otherwise rank above the cells it borders.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols import grid
from patrols.config import HotSpotSettings
from patrols.errors import InvalidField
from patrols.grid import Cell
from patrols.hotspots import gistar
from patrols.hotspots.queries import BLOCKS, WEEKDAYS, IncidentFilter, Period, Tally, tally
from patrols.hotspots.schemas import (
    AccuracyReport,
    CellFeature,
    CellProperties,
    Order,
    Profiles,
    RankingCollection,
    Significance,
)
from shared import localities
from shared.problems import Parameter, in_query

MAX_PERIOD_DAYS = 366
DEFAULT_SEED = 0
# A designation's snapshot is the cell's place in the ranking over the days before its period.
SNAPSHOT_DAYS = 90
LEVELS: tuple[tuple[float, Significance], ...] = ((0.001, "99.9"), (0.01, "99"), (0.05, "95"))


@dataclass(frozen=True)
class RankingQuery:
    where: IncidentFilter
    size: int
    order: Order = "gi"
    permutations: int = 999
    seed: int = DEFAULT_SEED
    limit: int = 50


@dataclass(frozen=True)
class Scores:
    """Gi* over the cells considered, in the order of `cells`."""

    cells: list[Cell]
    counts: gistar.Floats
    stats: gistar.GiStar
    tally: Tally

    def ranked(self, order: Order) -> list[int]:
        """Positions of the cells, first the highest; ties broken by the other measure, then
        west to east and south to north, so a ranking is the same every time."""
        cols = np.array([c for c, _ in self.cells], dtype=np.int64)
        rows = np.array([r for _, r in self.cells], dtype=np.int64)
        z, counts = self.stats.z, self.counts
        keys = (rows, cols, -counts, -z) if order == "gi" else (rows, cols, -z, -counts)
        return [int(i) for i in np.lexsort(keys)]


def period(first: date, last: date, pointer: str | Parameter) -> Period:
    """The days from `first` to `last`, refused when backwards or longer than a leap year."""
    if last < first:
        raise InvalidField(pointer, "the period ends before it starts")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidField(pointer, f"a period is at most {MAX_PERIOD_DAYS} days")
    return Period(first, last)


def significance(z: float, p: float, upper: bool) -> Significance:
    """How sure it is that the cell is a hot spot: its z-score above 0, and its p-value from
    the upper tail (its neighbours high, not low)."""
    if z > 0 and upper:
        for cut, level in LEVELS:
            if p <= cut:
                return level
    return "none"


async def study_area(
    session: AsyncSession, municipality: str, size: int, incidents: Iterable[Cell], rings: int
) -> list[Cell]:
    """The cells considered: the localities' and those within twice `rings` of an incident."""
    areas = [x.area for x in localities.of_municipality(municipality)]
    cells = await grid.cells_meeting(session, areas, size)
    cells |= grid.around(incidents, 2 * rings)
    return sorted(cells)


async def score(session: AsyncSession, settings: HotSpotSettings, query: RankingQuery) -> Scores:
    """Counts and Gi* of every cell considered over the query's period."""
    counted = await tally(session, query.where, query.size)
    rings = settings.neighbour_rings
    municipality = query.where.municipality
    cells = await study_area(session, municipality, query.size, counted.counts, rings)
    counts = np.array([counted.counts.get(cell, 0) for cell in cells], dtype=np.float64)
    stats = gistar.gi_star(
        counts,
        np.array([c for c, _ in cells], dtype=np.int64),
        np.array([r for _, r in cells], dtype=np.int64),
        rings=rings,
        permutations=query.permutations,
        seed=query.seed,
    )
    return Scores(cells, counts, stats, counted)


async def rank(
    session: AsyncSession, settings: HotSpotSettings, query: RankingQuery
) -> RankingCollection:
    """The top cells of the period in the query's order, with their profiles."""
    scores = await score(session, settings, query)
    top = scores.ranked(query.order)[: query.limit]
    features = await _features(session, query, scores, top)
    where = query.where
    return RankingCollection(
        features=features,
        municipality=where.municipality,
        period_from=where.period.first,
        period_to=where.period.last,
        cell_size_m=query.size,
        order=query.order,
        permutations=query.permutations,
        seed=query.seed,
        cells_considered=len(scores.cells),
        incidents=scores.tally.placed,
        incidents_without_place=scores.tally.unplaced,
    )


async def _features(
    session: AsyncSession, query: RankingQuery, scores: Scores, top: Sequence[int]
) -> list[CellFeature]:
    size = query.size
    squares = await grid.squares(session, [scores.cells[i] for i in top], size)
    features = []
    for rank_, i in enumerate(top, start=1):
        cell = scores.cells[i]
        square = squares[cell]
        east, north = grid.corner(cell, size)
        z, p = float(scores.stats.z[i]), float(scores.stats.p[i])
        place = localities.containing(square.centre, query.where.municipality)
        properties = CellProperties(
            rank=rank_,
            cell_east=east,
            cell_north=north,
            cell_size_m=size,
            count=int(scores.counts[i]),
            gi_z=z,
            p_value=p,
            significance=significance(z, p, bool(scores.stats.upper[i])),
            locality=place.name if place else None,
            profiles=Profiles(
                hours=scores.tally.blocks.get(cell, [0] * BLOCKS),
                weekdays=scores.tally.weekdays.get(cell, [0] * WEEKDAYS),
            ),
        )
        features.append(
            CellFeature(id=f"{size}:{east}:{north}", geometry=square.outline, properties=properties)
        )
    return features


async def accuracy(
    session: AsyncSession, settings: HotSpotSettings, query: RankingQuery, test: Period, top: int
) -> AccuracyReport:
    """Rank over the query's period, take the top cells, and see how many of the test period's
    incidents fell in them: hit rate and PAI."""
    if test.first <= query.where.period.last:
        raise InvalidField(in_query("test_from"), "the test period starts after the ranking's")
    scores = await score(session, settings, query)
    chosen = [scores.cells[i] for i in scores.ranked(query.order)[:top]]
    later = await tally(session, replace(query.where, period=test), query.size)
    hits = sum(later.counts.get(cell, 0) for cell in chosen)
    cell_km2 = (query.size / 1000) ** 2
    area_top, area = len(chosen) * cell_km2, len(scores.cells) * cell_km2
    hit_rate = hits / later.placed if later.placed else None
    pai = hit_rate / (area_top / area) if hit_rate is not None and area_top else None
    return AccuracyReport(
        municipality=query.where.municipality,
        order=query.order,
        cell_size_m=query.size,
        ranking_from=query.where.period.first,
        ranking_to=query.where.period.last,
        test_from=test.first,
        test_to=test.last,
        top=len(chosen),
        cells_considered=len(scores.cells),
        incidents_in_top=hits,
        incidents=later.placed,
        hit_rate=hit_rate,
        area_top_km2=area_top,
        area_km2=area,
        pai=pai,
    )


async def snapshot(
    session: AsyncSession,
    settings: HotSpotSettings,
    municipality: str,
    cell: Cell,
    size: int,
    before: date,
) -> dict[str, Any]:
    """The cell in the ranking (by Gi*) over the 90 days before `before`, to store with a
    designation: what the choice was made from."""
    days = Period(before - timedelta(days=SNAPSHOT_DAYS), before - timedelta(days=1))
    query = RankingQuery(
        IncidentFilter(municipality, days), size, permutations=settings.permutations
    )
    scores = await score(session, settings, query)
    # A cell outside those considered holds no incident of the period: a count of 0, no Gi*.
    found: dict[str, Any] = {"count": 0, "gi_z": None, "p_value": None, "significance": None}
    found["rank"] = None
    if cell in scores.cells:
        i = scores.cells.index(cell)
        z, p = float(scores.stats.z[i]), float(scores.stats.p[i])
        found = {"count": int(scores.counts[i]), "gi_z": z, "p_value": p}
        level = significance(z, p, bool(scores.stats.upper[i]))
        found |= {"significance": level, "rank": scores.ranked("gi").index(i) + 1}
    return {
        "period_from": days.first.isoformat(),
        "period_to": days.last.isoformat(),
        "order": "gi",
        "permutations": query.permutations,
        "seed": query.seed,
        "cells_considered": len(scores.cells),
        **found,
    }
