"""The list of incidents staff read, bounded by the caller's municipalities and their filters."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from patrols.domain import LOCAL_TIME, IncidentSource
from patrols.incidents.models import Incident
from shared import geo
from shared.auth import Principal
from shared.pagination import PageParams, fetch


@dataclass(frozen=True)
class IncidentFilter:
    municipality: str | None = None
    source: IncidentSource | None = None
    category: str | None = None
    locality: str | None = None
    occurred_from: date | None = None
    occurred_to: date | None = None
    bbox: geo.BBox | None = None


def municipalities(principal: Principal, wanted: str | None) -> list[str]:
    if wanted is not None:
        principal.require_municipality(wanted)
        return [wanted]
    return sorted(principal.municipalities)


def _midnight(day: date) -> datetime:
    """The start of a Swedish day: a day's bounds are moments, so the index on them serves."""
    return datetime.combine(day, time(), LOCAL_TIME)


def _matching(
    statement: SelectOfScalar[Incident], where: IncidentFilter
) -> SelectOfScalar[Incident]:
    for column, value in ((Incident.source, where.source), (Incident.category, where.category)):
        if value is not None:
            statement = statement.where(column == value)
    if where.locality is not None:
        statement = statement.where(func.lower(Incident.locality) == where.locality.lower())
    if where.occurred_from is not None:
        statement = statement.where(col(Incident.occurred_at) >= _midnight(where.occurred_from))
    if where.occurred_to is not None:
        next_day = _midnight(where.occurred_to + timedelta(days=1))
        statement = statement.where(col(Incident.occurred_at) < next_day)
    if where.bbox is not None:
        statement = statement.where(func.ST_Intersects(Incident.location, where.bbox.envelope()))
    return statement


async def list_incidents(
    session: AsyncSession, principal: Principal, where: IncidentFilter, page: PageParams
) -> tuple[list[Incident], int]:
    """The incidents of the caller's municipalities, the latest to happen first."""
    statement = select(Incident).where(
        col(Incident.municipality_code).in_(municipalities(principal, where.municipality))
    )
    statement = _matching(statement, where).order_by(
        col(Incident.occurred_at).desc(), col(Incident.id)
    )
    rows, total = await fetch(session, statement, page)
    return list(rows), total
