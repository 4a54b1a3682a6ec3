"""Use cases of designated hot spots: designate a grid cell from the ranking, list and read the
designations, retire one."""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols import grid
from patrols.config import HotSpotSettings
from patrols.domain import utcnow
from patrols.errors import HotSpotConflict, HotSpotNotFound, InvalidField
from patrols.grid import Cell
from patrols.hotspots import queries, ranking
from patrols.hotspots.models import HotSpot
from patrols.hotspots.schemas import (
    HotSpotCreate,
    HotSpotFeature,
    HotSpotProperties,
    HotSpotRetire,
)
from shared import geo, localities
from shared.auth import Principal
from shared.contracts.patrols import HotSpotDesignated, HotSpotRetired
from shared.outbox import emit
from shared.pagination import PageParams, fetch

# A designated cell lies within this distance of one of the municipality's localities or, for
# a municipality whose localities are not known, of one of its incidents: a typo in a corner's
# metres is refused rather than stored as a hot spot in another municipality.
NEAR_M = 20_000


def feature(hot_spot: HotSpot) -> HotSpotFeature:
    properties = HotSpotProperties.model_validate(
        hot_spot.model_dump() | {"active": hot_spot.retired_at is None}
    )
    return HotSpotFeature(
        id=str(hot_spot.id),
        geometry=geo.Polygon.model_validate(geo.from_db(hot_spot.area)),
        properties=properties,
    )


def _check(body: HotSpotCreate) -> Cell:
    size = body.cell_size_m
    if not grid.on_grid(body.cell_east, body.cell_north, size):
        pointer = "/cell_east" if body.cell_east % size else "/cell_north"
        raise InvalidField(pointer, f"a cell's corner is a multiple of its size, {size} m")
    if body.period_end < body.period_start:
        raise InvalidField("/period_end", "the period ends before it starts")
    return grid.cell_at(body.cell_east, body.cell_north, size)


async def _check_near(session: AsyncSession, municipality: str, cell: Cell, size: int) -> None:
    areas = [x.area for x in localities.of_municipality(municipality)]
    if areas:
        near = await grid.centre_near(session, cell, size, areas, NEAR_M)
    else:
        east, north = grid.corner(cell, size)
        centre = (east + size / 2, north + size / 2)
        near = await queries.has_placed_incident_near(session, municipality, *centre, NEAR_M)
    if not near:
        raise InvalidField(
            "/cell_east",
            f"the cell is more than {NEAR_M // 1000} km from the municipality's localities "
            "(or, where they are not known, its incidents)",
        )


async def _active(session: AsyncSession, municipality: str, cell: Cell, size: int) -> bool:
    east, north = grid.corner(cell, size)
    query = select(col(HotSpot.id)).where(
        col(HotSpot.municipality_code) == municipality,
        col(HotSpot.cell_size_m) == size,
        col(HotSpot.cell_east) == east,
        col(HotSpot.cell_north) == north,
        col(HotSpot.retired_at).is_(None),
    )
    return (await session.exec(query)).first() is not None


async def designate(
    session: AsyncSession,
    settings: HotSpotSettings,
    principal: Principal,
    municipality: str,
    body: HotSpotCreate,
) -> HotSpot:
    """A cell of the grid becomes a hot spot, with its place in the ranking before the period."""
    cell, size = _check(body), body.cell_size_m
    await _check_near(session, municipality, cell, size)
    if await _active(session, municipality, cell, size):
        raise HotSpotConflict("The cell is already an active hot spot; retire it first.")
    square = (await grid.squares(session, [cell], size))[cell]
    place = localities.containing(square.centre, municipality)
    snapshot = await ranking.snapshot(
        session, settings, municipality, cell, size, body.period_start
    )
    hot_spot = HotSpot(
        municipality_code=municipality,
        name=body.name,
        cell_size_m=size,
        cell_east=body.cell_east,
        cell_north=body.cell_north,
        area=geo.to_db(square.outline),
        locality=place.name if place else None,
        reason=body.reason,
        period_start=body.period_start,
        period_end=body.period_end,
        ranking=snapshot,
        designated_by=principal.subject,
        designated_at=utcnow(),
    )
    await _insert(session, hot_spot)
    emit(session, _designated(hot_spot, square.outline))
    return hot_spot


async def _insert(session: AsyncSession, hot_spot: HotSpot) -> None:
    try:
        async with session.begin_nested():
            session.add(hot_spot)
            await session.flush()
    except IntegrityError:
        # Designated at the same moment by another request, which committed first.
        raise HotSpotConflict("The cell is already an active hot spot; retire it first.") from None


def _designated(hot_spot: HotSpot, area: geo.Polygon) -> HotSpotDesignated:
    return HotSpotDesignated(
        municipality_code=hot_spot.municipality_code,
        hot_spot_id=hot_spot.id,
        name=hot_spot.name,
        locality=hot_spot.locality,
        area=area,
        cell_size_m=hot_spot.cell_size_m,
        period_start=hot_spot.period_start,
        period_end=hot_spot.period_end,
    )


async def get(session: AsyncSession, principal: Principal, hot_spot_id: uuid.UUID) -> HotSpot:
    hot_spot = await session.get(HotSpot, hot_spot_id)
    if hot_spot is None or not principal.may_access(hot_spot.municipality_code):
        raise HotSpotNotFound(f"No hot spot {hot_spot_id}.")
    return hot_spot


async def list_hot_spots(
    session: AsyncSession, municipality: str, active: bool | None, page: PageParams
) -> tuple[list[HotSpot], int]:
    query = select(HotSpot).where(col(HotSpot.municipality_code) == municipality)
    if active is not None:
        retired = col(HotSpot.retired_at)
        query = query.where(retired.is_(None) if active else retired.is_not(None))
    query = query.order_by(col(HotSpot.designated_at).desc(), col(HotSpot.id))
    rows, total = await fetch(session, query, page)
    return list(rows), total


async def retire(
    session: AsyncSession, principal: Principal, hot_spot_id: uuid.UUID, body: HotSpotRetire
) -> HotSpot:
    """The hot spot is one no longer; the event tells whoever follows it."""
    query = select(HotSpot).where(col(HotSpot.id) == hot_spot_id).with_for_update()
    hot_spot = (await session.exec(query)).first()
    if hot_spot is None or not principal.may_access(hot_spot.municipality_code):
        raise HotSpotNotFound(f"No hot spot {hot_spot_id}.")
    if hot_spot.retired_at is not None:
        raise HotSpotConflict("The hot spot is already retired.")
    hot_spot.retired_at = utcnow()
    hot_spot.retired_by = principal.subject
    hot_spot.retire_reason = body.reason
    session.add(hot_spot)
    await session.flush()
    emit(
        session,
        HotSpotRetired(
            municipality_code=hot_spot.municipality_code,
            hot_spot_id=hot_spot.id,
            name=hot_spot.name,
            locality=hot_spot.locality,
            area=geo.Polygon.model_validate(geo.from_db(hot_spot.area)),
            cell_size_m=hot_spot.cell_size_m,
            retired_at=hot_spot.retired_at,
        ),
    )
    return hot_spot
