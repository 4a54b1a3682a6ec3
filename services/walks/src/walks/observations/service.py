"""Use cases of observations, and each municipality's taxonomy of observation categories."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import geo
from shared.auth import Principal
from shared.pagination import PageParams, fetch
from walks.domain import (
    DEFAULT_CATEGORIES,
    MAX_OBSERVATIONS_PER_WALK,
    Sentiment,
    WalkStatus,
    utcnow,
)
from walks.errors import (
    InvalidField,
    ObservationIdTaken,
    ObservationNotFound,
    TooManyObservations,
    WalkStatusConflict,
)
from walks.observations.models import Observation, ObservationCategory
from walks.observations.schemas import BatchResult, CategoryChange, CategoryRead, ObservationCreate
from walks.walks import service as walk_service
from walks.walks.models import Walk

Labels = dict[str, dict[str, str]]
"""Category labels by municipality, then by code."""


@dataclass(frozen=True)
class ObservationFilter:
    municipality: str | None = None
    locality: str | None = None
    walk_id: uuid.UUID | None = None
    category: str | None = None
    sentiment: Sentiment | None = None
    date_from: date | None = None
    date_to: date | None = None
    bbox: geo.BBox | None = None


async def taxonomy(session: AsyncSession, municipality: str) -> list[CategoryRead]:
    """The default categories, with the municipality's labels, retirements and additions."""
    overrides = await session.exec(
        select(ObservationCategory).where(ObservationCategory.municipality_code == municipality)
    )
    categories = {
        code: CategoryRead(code=code, label=label, active=True, source="default")
        for code, label in DEFAULT_CATEGORIES.items()
    }
    for row in overrides:
        categories[row.code] = CategoryRead(
            code=row.code, label=row.label, active=row.active, source="municipality"
        )
    return list(categories.values())


async def labels(session: AsyncSession, municipalities: Iterable[str]) -> Labels:
    return {m: {c.code: c.label for c in await taxonomy(session, m)} for m in set(municipalities)}


async def set_category(
    session: AsyncSession, principal: Principal, municipality: str, code: str, body: CategoryChange
) -> CategoryRead:
    principal.require_municipality(municipality)
    row = await session.get(ObservationCategory, (municipality, code))
    if row is None:
        row = ObservationCategory(municipality_code=municipality, code=code, label=body.label)
    row.label, row.active, row.updated_at = body.label, body.active, utcnow()
    session.add(row)
    return CategoryRead(code=code, label=row.label, active=row.active, source="municipality")


async def require_categories(
    session: AsyncSession, municipality: str, wanted: Sequence[tuple[str, str]]
) -> None:
    """Each (pointer, code) must name an active category of the municipality."""
    require_active(await active_categories(session, municipality), municipality, wanted)


async def active_categories(session: AsyncSession, municipality: str) -> set[str]:
    return {c.code for c in await taxonomy(session, municipality) if c.active}


def require_active(active: set[str], municipality: str, wanted: Sequence[tuple[str, str]]) -> None:
    for pointer, code in wanted:
        if code not in active:
            raise InvalidField(pointer, f"{code!r} is not an active category in {municipality}.")


async def _walk_open_for_observations(
    session: AsyncSession, principal: Principal, walk_id: uuid.UUID, adding: int
) -> Walk:
    # Locked: concurrent uploads must not together exceed the limit.
    walk = await walk_service.get_walk(session, principal, walk_id, lock=True)
    if walk.status != WalkStatus.PLANNED:
        raise WalkStatusConflict("Observations are recorded before the walk is marked conducted.")
    held = (await session.exec(select(func.count()).where(Observation.walk_id == walk_id))).one()
    if held + adding > MAX_OBSERVATIONS_PER_WALK:
        raise TooManyObservations(f"A walk holds at most {MAX_OBSERVATIONS_PER_WALK}.")
    return walk


def _columns(body: ObservationCreate, walk_id: uuid.UUID, subject: str) -> dict[str, Any]:
    return {
        **body.model_dump(mode="json", exclude={"location", "id"}),
        "id": body.id or uuid.uuid4(),
        "walk_id": walk_id,
        "location": geo.to_db(body.location),
        "observed_at": body.observed_at,
        "created_by": subject,
        "created_at": utcnow(),
    }


async def add_observation(
    session: AsyncSession, principal: Principal, walk_id: uuid.UUID, body: ObservationCreate
) -> tuple[Observation, Walk]:
    walk = await _walk_open_for_observations(session, principal, walk_id, 1)
    await require_categories(session, walk.municipality_code, [("/category", body.category)])
    if body.id is not None and await session.get(Observation, body.id) is not None:
        raise ObservationIdTaken(f"An observation {body.id} exists; send a new id.")
    observation = Observation(**_columns(body, walk.id, principal.subject))
    session.add(observation)
    await session.flush()
    return observation, walk


async def upload_batch(
    session: AsyncSession,
    principal: Principal,
    walk_id: uuid.UUID,
    batch: Sequence[ObservationCreate],
) -> BatchResult:
    """Stores the observations not stored before; a retried upload finds them all stored."""
    await walk_service.get_walk(session, principal, walk_id)
    stored = await _stored_walks(session, [o.id for o in batch if o.id])
    _refuse_foreign(stored, walk_id)
    new = [(i, o) for i, o in enumerate(batch) if o.id not in stored]
    if not new:
        return BatchResult(created=[], already_stored=[o.id for o in batch if o.id])
    walk = await _walk_open_for_observations(session, principal, walk_id, len(new))
    await require_categories(
        session,
        walk.municipality_code,
        [(f"/observations/{i}/category", o.category) for i, o in new],
    )
    rows = [_columns(o, walk_id, principal.subject) for _, o in new]
    inserted = await session.exec(
        insert(Observation).values(rows).on_conflict_do_nothing().returning(col(Observation.id))
    )
    created = set(inserted.scalars())
    # Rows a concurrent upload inserted first: stored, but they must be this walk's.
    _refuse_foreign(
        await _stored_walks(session, [r["id"] for r in rows if r["id"] not in created]), walk_id
    )
    ids = [o.id for o in batch if o.id]
    return BatchResult(
        created=[i for i in ids if i in created],
        already_stored=[i for i in ids if i not in created],
    )


async def _stored_walks(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    if not ids:
        return {}
    rows = await session.exec(
        select(Observation.id, Observation.walk_id).where(col(Observation.id).in_(ids))
    )
    return dict(rows.all())


def _refuse_foreign(stored: dict[uuid.UUID, uuid.UUID], walk_id: uuid.UUID) -> None:
    foreign = sorted(str(i) for i, w in stored.items() if w != walk_id)
    if foreign:
        raise ObservationIdTaken(f"Observation ids used by another walk: {', '.join(foreign)}.")


async def get_observation(
    session: AsyncSession, principal: Principal, observation_id: uuid.UUID
) -> tuple[Observation, Walk]:
    found = (
        await session.exec(
            select(Observation, Walk)
            .join(Walk, col(Walk.id) == Observation.walk_id)
            .where(Observation.id == observation_id)
        )
    ).first()
    if found is None or not principal.may_access(found[1].municipality_code):
        raise ObservationNotFound(f"There is no observation {observation_id}.")
    return found


async def list_observations(
    session: AsyncSession, principal: Principal, where: ObservationFilter, page: PageParams
) -> tuple[list[tuple[Observation, Walk]], int]:
    walks = walk_service.WalkFilter(
        municipality=where.municipality,
        locality=where.locality,
        date_from=where.date_from,
        date_to=where.date_to,
    )
    statement: Any = walk_service.filtered(
        select(Observation, Walk).join(Walk, col(Walk.id) == Observation.walk_id),
        principal,
        walks,
    )
    if where.walk_id is not None:
        statement = statement.where(Observation.walk_id == where.walk_id)
    if where.category is not None:
        statement = statement.where(Observation.category == where.category)
    if where.sentiment is not None:
        statement = statement.where(Observation.sentiment == where.sentiment)
    if where.bbox is not None:
        statement = statement.where(func.ST_Intersects(Observation.location, where.bbox.envelope()))
    statement = statement.order_by(
        col(Walk.starts_at).desc(), col(Observation.created_at), col(Observation.id)
    )
    rows, total = await fetch(session, statement, page)
    return [(o, w) for o, w in rows], total
