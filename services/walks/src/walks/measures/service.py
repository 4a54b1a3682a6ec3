"""Use cases of measures: add, change and list them, and move them through their statuses."""

import uuid
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import Principal
from shared.contracts.walks import MeasureStatusChanged
from shared.outbox import emit
from shared.pagination import PageParams, fetch
from walks.domain import (
    OPEN_MEASURE_STATUSES,
    MeasureStatus,
    PlanStatus,
    may_change_measure,
    today,
    utcnow,
)
from walks.errors import MeasureNotFound, MeasureTransitionNotAllowed
from walks.measures.models import Measure
from walks.measures.schemas import MeasureChange, MeasureCreate, MeasureStatusChange
from walks.plans import service as plans
from walks.plans.models import ActionPlan
from walks.plans.queries import municipalities


async def _measure(session: AsyncSession, plan: ActionPlan, measure_id: uuid.UUID) -> Measure:
    measure = await session.get(Measure, measure_id, with_for_update=True)
    if measure is None or measure.plan_id != plan.id:
        raise MeasureNotFound(f"The plan has no measure {measure_id}.")
    return measure


async def add_measure(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, body: MeasureCreate
) -> tuple[Measure, ActionPlan]:
    plan = await plans.editable_plan(session, principal, plan_id)
    measure = await plans.new_measure(session, plan, body, "")
    await session.flush()
    return measure, plan


async def change_measure(
    session: AsyncSession,
    principal: Principal,
    plan_id: uuid.UUID,
    measure_id: uuid.UUID,
    body: MeasureChange,
) -> Measure:
    plan = await plans.editable_plan(session, principal, plan_id)
    measure = await _measure(session, plan, measure_id)
    changes = body.model_dump(exclude_unset=True, exclude={"responsible", "observation_ids"})
    if body.responsible is not None:
        changes |= plans.responsible_columns(body.responsible, plan.municipality_code)
    if body.observation_ids is not None or "category" in changes:
        ids = list(dict.fromkeys(body.observation_ids or []))
        await plans.check_references(session, plan.municipality_code, "", body.category, ids)
        if body.observation_ids is not None:
            changes["observation_ids"] = [str(i) for i in ids]
    for name, value in changes.items():
        setattr(measure, name, value)
    measure.updated_at = utcnow()
    session.add(measure)
    return measure


async def change_status(
    session: AsyncSession,
    principal: Principal,
    plan_id: uuid.UUID,
    measure_id: uuid.UUID,
    body: MeasureStatusChange,
    base: str,
) -> Measure:
    """Moves the measure on; once the plan is public, those affected hear of it."""
    plan = await plans.editable_plan(session, principal, plan_id)
    measure = await _measure(session, plan, measure_id)
    previous = MeasureStatus(measure.status)
    if not may_change_measure(previous, body.status):
        raise MeasureTransitionNotAllowed(f"A measure cannot go from {previous} to {body.status}.")
    now = utcnow()
    measure.status, measure.status_reason = body.status, body.reason
    measure.status_changed_at, measure.updated_at = now, now
    session.add(measure)
    if plan.status == PlanStatus.PUBLISHED:
        emit(session, _status_changed(plan, measure, previous, base))
    return measure


def _status_changed(
    plan: ActionPlan, measure: Measure, previous: MeasureStatus, base: str
) -> MeasureStatusChanged:
    state = plans.plan_state(plan, [measure], base)
    return MeasureStatusChanged.model_validate(
        {
            "plan_id": plan.id,
            "plan_title": plan.title,
            "municipality_code": plan.municipality_code,
            "locality": plan.locality,
            "measure": state["measures"][0],
            "previous_status": previous,
            "changed_at": measure.status_changed_at,
            "affected_area": state["affected_area"],
            "buffer_m": plan.buffer_m,
            "public_url": state["public_url"],
        }
    )


@dataclass(frozen=True)
class MeasureFilter:
    municipality: str | None = None
    plan_id: uuid.UUID | None = None
    status: MeasureStatus | None = None
    responsible: str | None = None
    overdue: bool = False


async def list_measures(
    session: AsyncSession, principal: Principal, where: MeasureFilter, page: PageParams
) -> tuple[list[Measure], int]:
    """Measures of draft and published plans; overdue ones are open past their deadline."""
    statement = (
        select(Measure)
        .join(ActionPlan, col(ActionPlan.id) == Measure.plan_id)
        .where(col(ActionPlan.municipality_code).in_(municipalities(principal, where.municipality)))
        .where(ActionPlan.status != PlanStatus.WITHDRAWN)
    )
    if where.plan_id is not None:
        statement = statement.where(Measure.plan_id == where.plan_id)
    if where.status is not None:
        statement = statement.where(Measure.status == where.status)
    if where.responsible is not None:
        statement = statement.where(Measure.responsible_key == where.responsible)
    if where.overdue:
        statement = statement.where(col(Measure.status).in_(OPEN_MEASURE_STATUSES)).where(
            col(Measure.due_date) < today()
        )
    statement = statement.order_by(col(Measure.due_date).asc().nulls_last(), col(Measure.id))
    rows, total = await fetch(session, statement, page)
    return list(rows), total
