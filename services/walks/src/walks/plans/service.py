"""Use cases of action plans: draft, publish, revise, withdraw; and what their events carry."""

import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import geo, idempotency
from shared.auth import Principal
from shared.contracts.walks import ActionPlanPublished, ActionPlanRevised, ActionPlanWithdrawn
from shared.outbox import emit
from walks.domain import PlanStatus, WalkStatus, utcnow
from walks.errors import (
    InvalidField,
    PlanNotFound,
    PlanStatusConflict,
    PlanUnchanged,
    WalkStatusConflict,
)
from walks.fields import geometry
from walks.links import plan_url
from walks.measures.models import Measure
from walks.measures.schemas import MeasureCreate, Organisation, measure_read
from walks.observations import service as observations
from walks.observations.models import Observation
from walks.plans.models import ActionPlan
from walks.plans.schemas import (
    PlanChange,
    PlanCreate,
    PlanFromWalkCreate,
    PlanRead,
    PlanRevise,
    PlanWithdraw,
    plan_read,
)
from walks.walks import service as walk_service
from walks.walks.models import Walk

EDITABLE = (PlanStatus.DRAFT, PlanStatus.PUBLISHED)


class Drafted(NamedTuple):
    """A new plan and its measures, as written."""

    plan: ActionPlan
    measures: list[Measure]


async def get_plan(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, *, lock: bool = False
) -> ActionPlan:
    """The plan, if the caller's municipalities cover it; otherwise it does not exist for them."""
    statement = select(ActionPlan).where(ActionPlan.id == plan_id)
    if lock:
        statement = statement.with_for_update()
    plan = (await session.exec(statement)).first()
    if plan is None or not principal.may_access(plan.municipality_code):
        raise PlanNotFound(f"There is no action plan {plan_id}.")
    return plan


async def measures_of(session: AsyncSession, plan_id: uuid.UUID) -> list[Measure]:
    rows = await session.exec(
        select(Measure)
        .where(Measure.plan_id == plan_id)
        .order_by(col(Measure.created_at), col(Measure.id))
    )
    return list(rows)


def responsible_columns(org: Organisation, municipality: str) -> dict[str, Any]:
    key = (
        f"org:{org.org_number}" if org.org_number else f"dept:{municipality}:{org.department_code}"
    )
    return {"responsible_key": key, "responsible_name": org.name}


# One measure's references as the reference check takes them: where its fields are in the
# request (a JSON pointer), its category, and its observations without repeats.
References = tuple[str, str | None, list[uuid.UUID]]


async def check_references(
    session: AsyncSession,
    municipality: str,
    pointer: str,
    category: str | None,
    observation_ids: list[uuid.UUID],
) -> None:
    """A measure's category and observations must be the municipality's own."""
    await check_all_references(session, municipality, [(pointer, category, observation_ids)])


async def check_all_references(
    session: AsyncSession, municipality: str, measures: Sequence[References]
) -> None:
    """Every measure's category and observations must be the municipality's own. One query
    reads the categories and one the observations, each only if some measure names any; the
    first wrong reference, in the order of the measures, is the one reported."""
    active: set[str] = set()
    if any(category is not None for _, category, _ in measures):
        active = await observations.active_categories(session, municipality)
    found = await _own_observations(session, municipality, {i for *_, ids in measures for i in ids})
    for pointer, category, ids in measures:
        if category is not None:
            observations.require_active(active, municipality, [(f"{pointer}/category", category)])
        for i, observation_id in enumerate(ids):
            if observation_id not in found:
                detail = f"There is no observation {observation_id} in {municipality}."
                raise InvalidField(f"{pointer}/observation_ids/{i}", detail)


async def _own_observations(
    session: AsyncSession, municipality: str, wanted: set[uuid.UUID]
) -> set[uuid.UUID]:
    if not wanted:
        return set()
    rows = await session.exec(
        select(Observation.id)
        .join(Walk, col(Walk.id) == Observation.walk_id)
        .where(col(Observation.id).in_(wanted))
        .where(Walk.municipality_code == municipality)
    )
    return set(rows.all())


def _measure(plan: ActionPlan, body: MeasureCreate, observation_ids: list[uuid.UUID]) -> Measure:
    return Measure(
        **body.model_dump(exclude={"responsible", "observation_ids"}),
        **responsible_columns(body.responsible, plan.municipality_code),
        plan_id=plan.id,
        observation_ids=[str(i) for i in observation_ids],
    )


async def new_measure(
    session: AsyncSession, plan: ActionPlan, body: MeasureCreate, pointer: str
) -> Measure:
    ids = list(dict.fromkeys(body.observation_ids))
    await check_references(session, plan.municipality_code, pointer, body.category, ids)
    measure = _measure(plan, body, ids)
    session.add(measure)
    return measure


async def _created(session: AsyncSession, plan: ActionPlan, bodies: list[MeasureCreate]) -> Drafted:
    """Writes the plan and all its measures with one statement each, past the ORM's unit of
    work: nothing else in the request touches them, and the answer is built from these very
    rows, which the database stores as given (every default is set here, none by the server)."""
    references = [
        (f"/measures/{i}", body.category, list(dict.fromkeys(body.observation_ids)))
        for i, body in enumerate(bodies)
    ]
    await check_all_references(session, plan.municipality_code, references)
    pairs = zip(bodies, references, strict=True)
    measures = [_measure(plan, body, ids) for body, (*_, ids) in pairs]
    conn = await session.connection()
    await conn.execute(insert(ActionPlan.__table__), [plan.model_dump()])  # type: ignore[attr-defined]
    if measures:
        rows = [measure.model_dump() for measure in measures]
        await conn.execute(insert(Measure.__table__), rows)  # type: ignore[attr-defined]
    return Drafted(plan, measures)


async def create_plan(session: AsyncSession, principal: Principal, body: PlanCreate) -> Drafted:
    """A standalone plan, drawn from the situational picture."""
    principal.require_municipality(body.municipality_code)
    plan = ActionPlan(
        **body.model_dump(exclude={"measures", "affected_area"}),
        affected_area=geo.to_db(geo.MultiPolygon.of(body.affected_area)),
        created_by=principal.subject,
    )
    return await _created(session, plan, body.measures)


async def create_plan_from_walk(
    session: AsyncSession, principal: Principal, walk_id: uuid.UUID, body: PlanFromWalkCreate
) -> Drafted:
    walk = await walk_service.get_walk(session, principal, walk_id)
    if walk.status == WalkStatus.PLANNED:
        raise WalkStatusConflict("A plan is drawn from a walk once it is conducted.")
    area = body.affected_area or geo.Polygon.model_validate(geometry(walk.area))
    plan = ActionPlan(
        **body.model_dump(exclude={"measures", "affected_area", "locality"}),
        municipality_code=walk.municipality_code,
        locality=body.locality or walk.locality,
        walk_id=walk.id,
        affected_area=geo.to_db(geo.MultiPolygon.of(area)),
        created_by=principal.subject,
    )
    return await _created(session, plan, body.measures)


async def editable_plan(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID
) -> ActionPlan:
    plan = await get_plan(session, principal, plan_id, lock=True)
    if plan.status not in EDITABLE:
        raise PlanStatusConflict("A withdrawn plan cannot change.")
    return plan


async def change_plan(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, body: PlanChange
) -> ActionPlan:
    plan = await editable_plan(session, principal, plan_id)
    changes = body.model_dump(exclude_unset=True, exclude={"affected_area"})
    if body.affected_area is not None:
        changes["affected_area"] = geo.to_db(geo.MultiPolygon.of(body.affected_area))
    for name, value in changes.items():
        setattr(plan, name, value)
    plan.updated_at = utcnow()
    session.add(plan)
    return plan


async def delete_plan(session: AsyncSession, principal: Principal, plan_id: uuid.UUID) -> None:
    plan = await get_plan(session, principal, plan_id, lock=True)
    if plan.status != PlanStatus.DRAFT:
        raise PlanStatusConflict("Only a draft is deleted; withdraw a published plan instead.")
    await session.delete(plan)
    await idempotency.forget(session, [plan.id])


async def publish_plan(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, base: str
) -> PlanRead:
    """Publishes the plan; the answer reads the measures the event was made from."""
    plan = await get_plan(session, principal, plan_id, lock=True)
    if plan.status != PlanStatus.DRAFT:
        raise PlanStatusConflict(f"The plan is {plan.status}; only a draft is published.")
    measures = await measures_of(session, plan.id)
    if not measures:
        raise PlanStatusConflict("A plan is published with at least one measure.")
    now = utcnow()
    plan.status, plan.revision, plan.published_at, plan.updated_at = (
        PlanStatus.PUBLISHED,
        1,
        now,
        now,
    )
    state = plan_state(plan, measures, base)
    plan.announced_digest = announced(state)
    session.add(plan)
    emit(session, ActionPlanPublished.model_validate({**state, "published_at": now}))
    return plan_read(plan, measures, base)


async def revise_plan(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, body: PlanRevise, base: str
) -> PlanRead:
    """Tells those affected about the plan's changes since it was last published."""
    plan = await get_plan(session, principal, plan_id, lock=True)
    if plan.status != PlanStatus.PUBLISHED:
        raise PlanStatusConflict(f"The plan is {plan.status}; only a published plan is revised.")
    measures = await measures_of(session, plan.id)
    state = plan_state(plan, measures, base)
    digest = announced(state)
    if digest == plan.announced_digest:
        raise PlanUnchanged("Change the plan or its measures first: a revision tells what is new.")
    now = utcnow()
    plan.revision += 1
    plan.revision_note, plan.revised_at, plan.updated_at = body.revision_note, now, now
    plan.announced_digest = digest
    session.add(plan)
    revised = {"revision": plan.revision, "revised_at": now, "revision_note": body.revision_note}
    emit(session, ActionPlanRevised.model_validate({**state, **revised}))
    return plan_read(plan, measures, base)


async def withdraw_plan(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, body: PlanWithdraw, base: str
) -> PlanRead:
    plan = await get_plan(session, principal, plan_id, lock=True)
    if plan.status != PlanStatus.PUBLISHED:
        raise PlanStatusConflict(f"The plan is {plan.status}; only a published plan is withdrawn.")
    now = utcnow()
    plan.status, plan.withdrawn_at, plan.withdrawal_reason, plan.updated_at = (
        PlanStatus.WITHDRAWN,
        now,
        body.reason,
        now,
    )
    session.add(plan)
    measures = await measures_of(session, plan.id)
    state = plan_state(plan, measures, base)
    emit(
        session,
        ActionPlanWithdrawn.model_validate({**state, "withdrawn_at": now, "reason": body.reason}),
    )
    return plan_read(plan, measures, base)


def plan_measure(measure: Measure) -> dict[str, Any]:
    """A measure as events carry it."""
    read = measure_read(measure)
    return {
        **read.model_dump(include=MEASURE_FACTS, mode="json"),
        "measure_id": read.id,
        "responsible": read.responsible.model_dump(mode="json"),
    }


MEASURE_FACTS = {
    "title",
    "description",
    "priority",
    "due_date",
    "status",
    "status_reason",
    "category",
}
PLAN_FACTS = {
    "revision",
    "municipality_code",
    "locality",
    "title",
    "public_summary",
    "walk_id",
    "buffer_m",
}


def plan_state(plan: ActionPlan, measures: list[Measure], base: str) -> dict[str, Any]:
    """What every plan event carries: enough to tell those affected without calling back."""
    return {
        **plan.model_dump(include=PLAN_FACTS),
        "plan_id": plan.id,
        "affected_area": geometry(plan.affected_area),
        "measures": [plan_measure(m) for m in measures],
        "public_url": plan_url(base, plan.id),
    }


def announced(state: dict[str, Any]) -> str:
    """A digest of what an event about the plan tells, its revision number aside."""
    news = {name: value for name, value in state.items() if name != "revision"}
    return hashlib.sha256(json.dumps(news, sort_keys=True, default=str).encode()).hexdigest()
