"""Lists of action plans and their areas, bounded by the caller's municipalities."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy import select as select_columns
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import geo
from shared.auth import Principal
from shared.pagination import PageParams, fetch
from walks.domain import LOCAL_TIME, PlanStatus
from walks.plans.models import ActionPlan
from walks.plans.schemas import SUMMARY_COLUMNS


@dataclass(frozen=True)
class PlanFilter:
    municipality: str | None = None
    locality: str | None = None
    status: PlanStatus | None = None
    walk_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    bbox: geo.BBox | None = None


def municipalities(principal: Principal, wanted: str | None) -> list[str]:
    if wanted is not None:
        principal.require_municipality(wanted)
        return [wanted]
    return sorted(principal.municipalities)


def _plans(statement: Any, principal: Principal, where: PlanFilter) -> Any:
    # A select of plans, of whole rows (SQLModel's) or of some columns (SQLAlchemy's).
    statement = statement.where(
        col(ActionPlan.municipality_code).in_(municipalities(principal, where.municipality))
    )
    if where.locality is not None:
        statement = statement.where(func.lower(ActionPlan.locality) == where.locality.lower())
    if where.status is not None:
        statement = statement.where(ActionPlan.status == where.status)
    if where.walk_id is not None:
        statement = statement.where(ActionPlan.walk_id == where.walk_id)
    created_day = func.date(func.timezone(str(LOCAL_TIME), ActionPlan.created_at))
    if where.date_from is not None:
        statement = statement.where(created_day >= where.date_from)
    if where.date_to is not None:
        statement = statement.where(created_day <= where.date_to)
    if where.bbox is not None:
        statement = statement.where(
            func.ST_Intersects(ActionPlan.affected_area, where.bbox.envelope())
        )
    return statement.order_by(col(ActionPlan.created_at).desc(), col(ActionPlan.id))


async def list_plans(
    session: AsyncSession, principal: Principal, where: PlanFilter, page: PageParams
) -> tuple[list[ActionPlan], int]:
    rows, total = await fetch(session, _plans(select(ActionPlan), principal, where), page)
    return list(rows), total


# What a list shows of each plan: never the area, which is the bulk of a row.
SUMMARY = [ActionPlan.__table__.columns[name] for name in SUMMARY_COLUMNS]  # type: ignore[attr-defined]


async def plan_summaries(
    session: AsyncSession, principal: Principal, where: PlanFilter, page: PageParams
) -> tuple[Sequence[RowMapping], int]:
    """One page of plans and how many match. Two queries, each cheap however many plans there
    are: the page stops at its limit along the (municipality, created) index, and the count
    reads that index alone. (A count carried on each row, `count(*) OVER ()`, made PostgreSQL
    build every matching row before it could cut the page: the list slowed as plans grew.)"""
    statement = _plans(select_columns(*SUMMARY), principal, where)
    conn = await session.connection()
    rows = (await conn.execute(statement.limit(page.limit).offset(page.offset))).mappings().all()
    if page.offset == 0 and len(rows) < page.limit:
        return rows, len(rows)  # the whole of it is on this page
    matching = _plans(select_columns(col(ActionPlan.id)), principal, where).order_by(None)
    total = await conn.execute(select_columns(func.count()).select_from(matching.subquery()))
    return rows, int(total.scalar_one())
