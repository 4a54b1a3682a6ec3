"""Incidents placed in chosen grid cells, for the tests of hot spots and their evaluation."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.incidents.models import Incident
from shared import geo

# A municipality the shared localities do not know (Jönköping): its cells considered are only
# those around its incidents, so counts of cells can be worked out by hand.
BARE = "0680"
# SWEREF 99 TM corner of a 200 m cell in Jönköping.
EAST, NORTH = 450_000, 6_400_000
SIZE = 200

CENTRE = text(
    "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID("
    "ST_MakePoint(:east, :north), 3006), 4326) AS p) AS point"
)


@dataclass(frozen=True)
class Place:
    """A cell by its offset, in cells, from (EAST, NORTH)."""

    dx: int
    dy: int
    size: int = SIZE

    @property
    def east(self) -> int:
        return EAST + self.dx * self.size

    @property
    def north(self) -> int:
        return NORTH + self.dy * self.size


async def centre(session: AsyncSession, place: Place) -> geo.Point:
    """The cell's centre in WGS84, projected by PostGIS."""
    conn = await session.connection()
    params = {"east": place.east + place.size / 2, "north": place.north + place.size / 2}
    lon, lat = (await conn.execute(CENTRE, params)).one()
    return geo.Point(type="Point", coordinates=(lon, lat))


async def add_incidents(
    session: AsyncSession,
    place: Place | None,
    *moments: datetime,
    municipality: str = BARE,
    category: str = "vandalism",
    source: str = "police",
) -> None:
    """One incident at each moment in the cell (or with no point, for None)."""
    location = geo.to_db(await centre(session, place)) if place else None
    for moment in moments:
        session.add(
            Incident(
                municipality_code=municipality,
                source=source,
                external_id=str(uuid.uuid4()),
                category=category,
                occurred_at=moment,
                location=location,
                locality=None if place else "Centrum",
                reported_by="tester",
                submission_hash="x",
            )
        )
    await session.flush()
