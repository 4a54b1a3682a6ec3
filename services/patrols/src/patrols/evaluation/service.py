"""The evaluation of hot spots: the cells designated hot spots during a period (treated) against
comparable cells that were not (comparison), incidents before and after, and the difference in
differences with a bootstrap interval.

Treated: the cells of this size of every hot spot active at any time in the after period (from
its period's start to the earlier of its period's end and its retirement). Comparison: for each
treated cell, taken from the one with the most incidents before, the 3 untreated cells with the
closest before-period count, the nearer on ties, each used once; no cell within the neighbour
rings of a treated cell is one (police presence there may spill over, or push problems into
it). The cells are those the ranking considers over both periods.

Counts are compared as rates, incidents per cell per 30 days, so the two periods need not be
equally long. The interval resamples the matched sets (a treated cell with its comparison
cells) with replacement: they are the units that were chosen together.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time

import numpy as np
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols import grid
from patrols.config import HotSpotSettings
from patrols.domain import LOCAL_TIME
from patrols.errors import InvalidField
from patrols.evaluation.schemas import CellCounts, EvaluationReport, GroupSummary, MatchedSet
from patrols.grid import Cell
from patrols.hotspots.models import HotSpot
from patrols.hotspots.queries import IncidentFilter, Period, Tally, tally
from patrols.hotspots.ranking import study_area
from shared.problems import in_query

MATCHES_PER_CELL = 3
RESAMPLES = 2000
RATE_DAYS = 30
METHOD = (
    "Treated: cells of hot spots active in the after period. Comparison: per treated cell, the "
    f"{MATCHES_PER_CELL} untreated cells with the closest before-period count (nearer first on "
    "ties, each once, none within the neighbour rings of a treated cell). did = treated change "
    "- comparison change, in incidents per cell per 30 days; 95 % interval: percentile "
    f"bootstrap over matched sets, {RESAMPLES} resamples."
)


@dataclass(frozen=True)
class Periods:
    before: Period
    after: Period


def periods(before: Period, after: Period) -> Periods:
    if after.first <= before.last:
        raise InvalidField(in_query("after_from"), "the after period starts after the before one")
    return Periods(before, after)


@dataclass(frozen=True)
class Match:
    treated: Cell
    comparison: list[Cell]


async def treated_cells(
    session: AsyncSession, municipality: str, size: int, after: Period
) -> dict[Cell, list[uuid.UUID]]:
    """The cells of hot spots active at any time in the period, with their hot spots."""
    start = datetime.combine(after.first, time(), LOCAL_TIME)
    query = select(HotSpot).where(
        col(HotSpot.municipality_code) == municipality,
        col(HotSpot.cell_size_m) == size,
        col(HotSpot.period_start) <= after.last,
        col(HotSpot.period_end) >= after.first,
        or_(col(HotSpot.retired_at).is_(None), col(HotSpot.retired_at) >= start),
    )
    cells: dict[Cell, list[uuid.UUID]] = defaultdict(list)
    for hot_spot in await session.exec(query.order_by(col(HotSpot.designated_at))):
        cells[grid.cell_at(hot_spot.cell_east, hot_spot.cell_north, size)].append(hot_spot.id)
    return dict(cells)


def match(treated: list[Cell], pool: set[Cell], before: dict[Cell, int], rings: int) -> list[Match]:
    """Each treated cell's comparison cells: the closest before-period counts, then the nearest."""
    free = sorted(pool - grid.around(treated, rings))
    matches = []
    for cell in sorted(treated, key=lambda c: (-before.get(c, 0), c)):

        def likeness(other: Cell, cell: Cell = cell) -> tuple[int, int, Cell]:
            gap = abs(before.get(other, 0) - before.get(cell, 0))
            return gap, (other[0] - cell[0]) ** 2 + (other[1] - cell[1]) ** 2, other

        chosen = sorted(free, key=likeness)[:MATCHES_PER_CELL]
        free = [c for c in free if c not in chosen]
        matches.append(Match(cell, chosen))
    return matches


def rate(count: float, period: Period) -> float:
    return count * RATE_DAYS / period.days


def changes(cells: list[Cell], counts: tuple[Tally, Tally], periods: Periods) -> list[float]:
    before, after = counts
    return [
        rate(after.counts.get(c, 0), periods.after) - rate(before.counts.get(c, 0), periods.before)
        for c in cells
    ]


def summary(cells: list[Cell], counts: tuple[Tally, Tally], periods: Periods) -> GroupSummary:
    before = sum(counts[0].counts.get(c, 0) for c in cells)
    after = sum(counts[1].counts.get(c, 0) for c in cells)
    n = max(len(cells), 1)
    rate_before, rate_after = rate(before, periods.before) / n, rate(after, periods.after) / n
    return GroupSummary(
        cells=len(cells),
        incidents_before=before,
        incidents_after=after,
        rate_before=rate_before,
        rate_after=rate_after,
        change=rate_after - rate_before,
    )


def bootstrap(
    matches: list[Match], counts: tuple[Tally, Tally], periods: Periods, seed: int
) -> tuple[float, float] | None:
    """95 % percentile interval of the difference in differences over resampled matched sets."""
    sets = [m for m in matches if m.comparison]
    if len(sets) < 2:
        return None
    treated = np.array([changes([m.treated], counts, periods)[0] for m in sets])
    compared = np.array([sum(changes(m.comparison, counts, periods)) for m in sets])
    sizes = np.array([len(m.comparison) for m in sets], dtype=np.float64)
    picks = np.random.default_rng(seed).integers(0, len(sets), size=(RESAMPLES, len(sets)))
    did = treated[picks].mean(axis=1) - compared[picks].sum(axis=1) / sizes[picks].sum(axis=1)
    low, high = np.percentile(did, [2.5, 97.5])
    return float(low), float(high)


def _cell_counts(cell: Cell, size: int, counts: tuple[Tally, Tally]) -> CellCounts:
    east, north = grid.corner(cell, size)
    before, after = (t.counts.get(cell, 0) for t in counts)
    return CellCounts(cell_east=east, cell_north=north, before=before, after=after)


async def evaluate(
    session: AsyncSession,
    settings: HotSpotSettings,
    municipality: str,
    periods: Periods,
    size: int,
    seed: int,
) -> EvaluationReport:
    """Treated cells against their comparison cells, before and after."""
    counts = (
        await tally(session, IncidentFilter(municipality, periods.before), size),
        await tally(session, IncidentFilter(municipality, periods.after), size),
    )
    rings = settings.neighbour_rings
    incidents = {*counts[0].counts, *counts[1].counts}
    pool = set(await study_area(session, municipality, size, incidents, rings))
    hot = await treated_cells(session, municipality, size, periods.after)
    matches = match(list(hot), pool, counts[0].counts, rings)
    treated = [m.treated for m in matches]
    compared = [c for m in matches for c in m.comparison]
    group_t, group_c = summary(treated, counts, periods), summary(compared, counts, periods)
    did = group_t.change - group_c.change if treated and compared else None
    rates = (group_t.rate_before, group_t.rate_after, group_c.rate_before, group_c.rate_after)
    ratio = None
    if did is not None and all(rates):
        ratio = (rates[1] / rates[0]) / (rates[3] / rates[2])
    return EvaluationReport(
        municipality=municipality,
        cell_size_m=size,
        before_from=periods.before.first,
        before_to=periods.before.last,
        after_from=periods.after.first,
        after_to=periods.after.last,
        treated=group_t,
        comparison=group_c,
        did=did,
        did_ci95=bootstrap(matches, counts, periods, seed),
        ratio=ratio,
        resamples=RESAMPLES,
        seed=seed,
        method=METHOD,
        matches=[
            MatchedSet(
                treated=_cell_counts(m.treated, size, counts),
                hot_spot_ids=hot[m.treated],
                comparison=[_cell_counts(c, size, counts) for c in m.comparison],
            )
            for m in matches
        ],
    )
