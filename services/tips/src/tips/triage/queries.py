"""Lists of tips for staff, bounded by the caller's municipalities and by restriction; what the
staff view tells of a tip's contact and photos; and the tips that may be about the same thing
as a given one."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from shared import geo
from shared.auth import Principal
from shared.pagination import PageParams, fetch
from tips.access import may_read_restricted
from tips.domain import LOCAL_TIME, Source, Status
from tips.photos.models import TipPhoto
from tips.tips.models import Tip, TipContact
from tips.triage.schemas import Facts

# A suggested duplicate is of the same category, within this distance and time of the tip.
DUPLICATE_RADIUS_M = 500
DUPLICATE_WINDOW_DAYS = 14
MAX_DUPLICATES = 20


@dataclass(frozen=True)
class TipFilter:
    municipality: str | None = None
    status: Status | None = None
    category: str | None = None
    source: Source | None = None
    locality: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    bbox: geo.BBox | None = None
    assigned_to: str | None = None


def municipalities(principal: Principal, wanted: str | None) -> list[str]:
    if wanted is not None:
        principal.require_municipality(wanted)
        return [wanted]
    return sorted(principal.municipalities)


def _matching(statement: SelectOfScalar[Tip], where: TipFilter) -> SelectOfScalar[Tip]:
    equal = [
        (Tip.status, where.status),
        (Tip.category_code, where.category),
        (Tip.source, where.source),
        (Tip.assigned_to, where.assigned_to),
    ]
    for column, value in equal:
        if value is not None:
            statement = statement.where(column == value)
    if where.locality is not None:
        statement = statement.where(func.lower(Tip.locality) == where.locality.lower())
    created_day = func.date(func.timezone(str(LOCAL_TIME), Tip.created_at))
    if where.created_from is not None:
        statement = statement.where(created_day >= where.created_from)
    if where.created_to is not None:
        statement = statement.where(created_day <= where.created_to)
    if where.bbox is not None:
        statement = statement.where(func.ST_Intersects(Tip.location, where.bbox.envelope()))
    return statement


def _tips(principal: Principal, where: TipFilter) -> SelectOfScalar[Tip]:
    statement = select(Tip).where(
        col(Tip.municipality_code).in_(municipalities(principal, where.municipality))
    )
    if not may_read_restricted(principal):
        statement = statement.where(col(Tip.restricted).is_(False))
    statement = _matching(statement, where)
    return statement.order_by(col(Tip.created_at).desc(), col(Tip.id))


async def list_tips(
    session: AsyncSession, principal: Principal, where: TipFilter, page: PageParams
) -> tuple[list[Tip], int]:
    """The tips the caller may read, newest first; restricted ones only with `tips:police`."""
    rows, total = await fetch(session, _tips(principal, where), page)
    return list(rows), total


async def facts(session: AsyncSession, tip_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Facts]:
    """Whether each tip has a contact and how many photos: the contact itself is not read."""
    ids = list(tip_ids)
    contacted = set(
        await session.exec(select(TipContact.tip_id).where(col(TipContact.tip_id).in_(ids)))
    )
    counted = await session.exec(
        select(TipPhoto.tip_id, func.count())
        .where(col(TipPhoto.tip_id).in_(ids))
        .group_by(col(TipPhoto.tip_id))
    )
    photos = {tip_id: int(n) for tip_id, n in counted}
    return {i: Facts(has_contact=i in contacted, photos=photos.get(i, 0)) for i in ids}


# Both tips' times are when it happened, or when it was received if the tipster did not say.
# Tips marked duplicates of another are left out: their original is the one to point at.
DUPLICATES = text(
    """
    WITH this AS (
      SELECT id, municipality_code, category_code,
             CAST(location AS geography) AS place,
             coalesce(occurred_at, created_at) AS moment
      FROM tip WHERE id = :tip_id
    ),
    near AS (
      SELECT other.id,
             ST_Distance(CAST(other.location AS geography), this.place) AS distance_m,
             abs(extract(epoch FROM coalesce(other.occurred_at, other.created_at) - this.moment))
               / 86400.0 AS days_apart
      FROM tip AS other, this
      WHERE other.municipality_code = this.municipality_code
        AND other.category_code = this.category_code
        AND other.id <> this.id
        AND other.duplicate_of IS NULL
        AND other.anonymised_at IS NULL
        AND (CAST(:restricted_too AS boolean) OR NOT other.restricted)
        AND ST_DWithin(CAST(other.location AS geography), this.place, :radius_m)
        AND coalesce(other.occurred_at, other.created_at)
            BETWEEN this.moment - make_interval(days => :window_days)
                AND this.moment + make_interval(days => :window_days)
    )
    SELECT id, distance_m, days_apart,
           greatest(0.0, 1.0 - distance_m / :radius_m)
             * greatest(0.0, 1.0 - days_apart / :window_days) AS score
    FROM near
    ORDER BY score DESC, distance_m, id
    LIMIT :limit
    """
)


@dataclass(frozen=True)
class Candidate:
    tip: Tip
    distance_m: float
    days_apart: float
    score: float


async def duplicate_candidates(
    session: AsyncSession, principal: Principal, tip: Tip
) -> list[Candidate]:
    """Tips of the same municipality and category (a subcategory is its own category) within
    500 m and 14 days of this one, the likeliest first; none for a tip without a point."""
    params: dict[str, Any] = {
        "tip_id": tip.id,
        "restricted_too": may_read_restricted(principal),
        "radius_m": float(DUPLICATE_RADIUS_M),
        "window_days": DUPLICATE_WINDOW_DAYS,
        "limit": MAX_DUPLICATES,
    }
    conn = await session.connection()
    ranked = (await conn.execute(DUPLICATES, params)).all()
    tips = await _by_id(session, [row.id for row in ranked])
    return [
        Candidate(
            tips[row.id], round(row.distance_m, 1), round(row.days_apart, 2), round(row.score, 4)
        )
        for row in ranked
    ]


async def _by_id(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Tip]:
    if not ids:
        return {}
    rows = await session.exec(select(Tip).where(col(Tip.id).in_(ids)))
    return {tip.id: tip for tip in rows}
