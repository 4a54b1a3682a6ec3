"""Lists of action plans and their areas, bounded by the caller's municipalities."""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from shared import geo
from shared.auth import Principal
from shared.pagination import PageParams, fetch
from walks.domain import LOCAL_TIME, PlanStatus
from walks.plans.models import ActionPlan


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


def _plans(statement: SelectOfScalar[Any], principal: Principal, where: PlanFilter) -> Any:
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
