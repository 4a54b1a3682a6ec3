"""The national grid hot spots are squares of: SWEREF 99 TM (EPSG:3006) cells of 100-250 m.

A cell is its (column, row): its south-west corner is (column x size, row x size) metres, so
the cells of every size share the origin, as tips' squares do. PostGIS does the projections:
the cell that holds a WGS84 point, the cells an area meets, and a cell's square and centre back
in WGS84.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.domain import GRID_SRID
from shared import geo

Cell = tuple[int, int]  # (column, row)


@dataclass(frozen=True)
class Square:
    """A cell drawn on a map: its outline and centre in WGS84."""

    outline: geo.Polygon
    centre: geo.Point


def corner(cell: Cell, size: int) -> tuple[int, int]:
    """The cell's south-west corner: (east, north) in metres."""
    return cell[0] * size, cell[1] * size


def cell_at(east: int, north: int, size: int) -> Cell:
    return east // size, north // size


def on_grid(east: int, north: int, size: int) -> bool:
    """Whether (east, north) is the corner of a cell of this size."""
    return east % size == 0 and north % size == 0


def neighbourhood(cell: Cell, rings: int) -> list[Cell]:
    """The cell and every cell within `rings` columns and rows of it."""
    span = range(-rings, rings + 1)
    return [(cell[0] + dc, cell[1] + dr) for dc in span for dr in span]


def around(cells: Iterable[Cell], rings: int) -> set[Cell]:
    """The cells and their neighbourhoods."""
    return {near for cell in cells for near in neighbourhood(cell, rings)}


def projected(location: Any) -> ColumnElement[Any]:
    """A WGS84 geometry column in the grid's projection."""
    return func.ST_Transform(location, GRID_SRID)


def column_of(point: ColumnElement[Any], size: int) -> ColumnElement[int]:
    """The column of a projected point's cell."""
    return func.floor(func.ST_X(point) / size).cast(Integer)


def row_of(point: ColumnElement[Any], size: int) -> ColumnElement[int]:
    return func.floor(func.ST_Y(point) / size).cast(Integer)


SQUARES = text(
    f"""
    SELECT c, r,
      ST_AsGeoJSON(ST_ForcePolygonCCW(ST_Transform(
        ST_MakeEnvelope(c * s, r * s, (c + 1) * s, (r + 1) * s, {GRID_SRID}), 4326))) AS outline,
      ST_AsGeoJSON(ST_Transform(
        ST_SetSRID(ST_MakePoint((c + 0.5) * s, (r + 0.5) * s), {GRID_SRID}), 4326)) AS centre
    FROM unnest(CAST(:cols AS int[]), CAST(:rows AS int[])) AS cell(c, r),
      (SELECT CAST(:size AS float8) AS s) AS grid
    """
)


async def squares(session: AsyncSession, cells: Sequence[Cell], size: int) -> dict[Cell, Square]:
    """The cells' outlines and centres in WGS84."""
    if not cells:
        return {}
    conn = await session.connection()
    params = {
        "cols": [c for c, _ in cells],
        "rows": [r for _, r in cells],
        "size": size,
    }
    return {
        (row.c, row.r): Square(
            geo.Polygon.model_validate(json.loads(row.outline)),
            geo.Point.model_validate(json.loads(row.centre)),
        )
        for row in await conn.execute(SQUARES, params)
    }


# The areas go in as GeoJSON text: a handful of polygons, each projected once.
_AREAS = (
    f"WITH area AS (SELECT ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(a), 4326), {GRID_SRID}) AS g "
    "FROM unnest(:areas) AS a) "
)
CELLS_MEETING = text(
    _AREAS + "SELECT DISTINCT cell.i, cell.j FROM area, "
    "LATERAL ST_SquareGrid(:size, area.g) AS cell WHERE ST_Intersects(cell.geom, area.g)"
).bindparams(bindparam("areas", type_=ARRAY(Text)))
NEAR_AREAS = text(
    _AREAS + "SELECT EXISTS (SELECT 1 FROM area "
    f"WHERE ST_DWithin(area.g, ST_SetSRID(ST_MakePoint(:east, :north), {GRID_SRID}), :metres))"
).bindparams(bindparam("areas", type_=ARRAY(Text)))


def _as_text(areas: Sequence[geo.Polygon]) -> list[str]:
    return [area.model_dump_json() for area in areas]


async def cells_meeting(
    session: AsyncSession, areas: Sequence[geo.Polygon], size: int
) -> set[Cell]:
    """The cells of this size that meet any of the areas."""
    if not areas:
        return set()
    conn = await session.connection()
    params = {"areas": _as_text(areas), "size": size}
    return {(row.i, row.j) for row in await conn.execute(CELLS_MEETING, params)}


async def centre_near(
    session: AsyncSession, cell: Cell, size: int, areas: Sequence[geo.Polygon], metres: float
) -> bool:
    """Whether the cell's centre lies within `metres` of any of the areas."""
    if not areas:
        return False
    east, north = corner(cell, size)
    params = {
        "areas": _as_text(areas),
        "east": east + size / 2,
        "north": north + size / 2,
        "metres": metres,
    }
    conn = await session.connection()
    return bool((await conn.execute(NEAR_AREAS, params)).scalar_one())
