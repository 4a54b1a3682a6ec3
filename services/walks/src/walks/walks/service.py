"""Use cases of walks: schedule, change, conduct, follow up; how many took part, by role."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import geo
from shared.auth import Principal
from shared.contracts.walks import ObservedPlace, WalkConducted, WalkRescheduled, WalkScheduled
from shared.outbox import emit
from shared.pagination import PageParams, fetch
from shared.problems import InvalidInput, validation_error
from walks.domain import LOCAL_TIME, ParticipantRole, WalkStatus, utcnow
from walks.errors import InvalidField, WalkNotFound, WalkStatusConflict
from walks.fields import geometry
from walks.links import walk_url
from walks.observations.models import Observation
from walks.participants.models import Participant
from walks.walks.models import Walk
from walks.walks.schemas import (
    FollowUpWalkCreate,
    WalkChange,
    WalkConduct,
    WalkCreate,
    WalkDetails,
    meeting_point,
)

# A clock a little ahead of ours is not a walk in the future.
CLOCK_SKEW = timedelta(minutes=10)
INVITATION_FIELDS = {
    "municipality_code",
    "locality",
    "title",
    "public_description",
    "stops",
    "starts_at",
    "light_condition",
    "pre_meeting_date",
    "closing_meeting_date",
    "follows_up_walk_id",
}
WALK_FACTS = {
    "municipality_code",
    "locality",
    "conducted_at",
    "light_condition",
    "follows_up_walk_id",
}
OBSERVED_FIELDS = {"category", "sentiment", "severity", "light", "perspectives", "observed_at"}


@dataclass(frozen=True)
class WalkFilter:
    municipality: str | None = None
    locality: str | None = None
    status: WalkStatus | None = None
    date_from: date | None = None
    date_to: date | None = None
    bbox: geo.BBox | None = None


async def get_walk(
    session: AsyncSession, principal: Principal, walk_id: uuid.UUID, *, lock: bool = False
) -> Walk:
    """The walk, if the caller's municipalities cover it; otherwise it does not exist for them."""
    statement = select(Walk).where(Walk.id == walk_id)
    if lock:
        # Serialises transitions, so two concurrent requests cannot both emit the same event.
        statement = statement.with_for_update()
    walk = (await session.exec(statement)).first()
    if walk is None or not principal.may_access(walk.municipality_code):
        raise WalkNotFound(f"There is no walk {walk_id}.")
    return walk


def _columns(details: WalkDetails) -> dict[str, Any]:
    return {
        **details.model_dump(exclude={"area", "route", "stops", "meeting_point"}),
        "area": geo.to_db(details.area),
        "route": geo.to_db(details.route) if details.route else None,
        "stops": [s.model_dump(mode="json") for s in details.stops],
        "meeting_place": details.meeting_point.name,
        "meeting_point": geo.to_db(details.meeting_point.location),
    }


async def schedule_walk(
    session: AsyncSession, principal: Principal, body: WalkCreate, base: str
) -> Walk:
    principal.require_municipality(body.municipality_code)
    walk = Walk(**_columns(body), created_by=principal.subject)
    return await _scheduled(session, walk, base)


async def schedule_follow_up(
    session: AsyncSession,
    principal: Principal,
    walk_id: uuid.UUID,
    body: FollowUpWalkCreate,
    base: str,
) -> Walk:
    """A repeat walk, months later, over what the first one found."""
    original = await get_walk(session, principal, walk_id)
    if original.status not in (WalkStatus.PROTOCOL_PUBLISHED, WalkStatus.FOLLOWED_UP):
        raise WalkStatusConflict("A walk is followed up once its protocol is published.")
    walk = Walk(
        **_columns(body),
        municipality_code=original.municipality_code,
        follows_up_walk_id=original.id,
        created_by=principal.subject,
    )
    return await _scheduled(session, walk, base)


async def _scheduled(session: AsyncSession, walk: Walk, base: str) -> Walk:
    session.add(walk)
    await session.flush()
    emit(session, WalkScheduled.model_validate(_invitation(walk, base)))
    return walk


def _invitation(walk: Walk, base: str) -> dict[str, Any]:
    return {
        **walk.model_dump(include=INVITATION_FIELDS),
        "walk_id": walk.id,
        "area": geometry(walk.area),
        "meeting_point": meeting_point(walk).model_dump(),
        "route": geometry(walk.route),
        "public_url": walk_url(base, walk.id),
    }


async def list_walks(
    session: AsyncSession, principal: Principal, where: WalkFilter, page: PageParams
) -> tuple[list[Walk], int]:
    statement = filtered(select(Walk), principal, where).order_by(
        col(Walk.starts_at).desc(), col(Walk.id)
    )
    rows, total = await fetch(session, statement, page)
    return list(rows), total


def filtered(statement: Any, principal: Principal, where: WalkFilter) -> Any:
    """Filters over walks, always bounded by the caller's municipalities."""
    if where.municipality is not None:
        principal.require_municipality(where.municipality)
    municipalities = [where.municipality] if where.municipality else principal.municipalities
    statement = statement.where(col(Walk.municipality_code).in_(municipalities))
    if where.locality is not None:
        statement = statement.where(func.lower(Walk.locality) == where.locality.lower())
    if where.status is not None:
        statement = statement.where(Walk.status == where.status)
    local_day = func.date(func.timezone(str(LOCAL_TIME), Walk.starts_at))
    if where.date_from is not None:
        statement = statement.where(local_day >= where.date_from)
    if where.date_to is not None:
        statement = statement.where(local_day <= where.date_to)
    if where.bbox is not None:
        statement = statement.where(func.ST_Intersects(Walk.area, where.bbox.envelope()))
    return statement


async def change_walk(
    session: AsyncSession, principal: Principal, walk_id: uuid.UUID, body: WalkChange, base: str
) -> Walk:
    walk = await get_walk(session, principal, walk_id, lock=True)
    if walk.status != WalkStatus.PLANNED:
        raise WalkStatusConflict("Only a planned walk can be changed.")
    before = WalkRescheduled.model_validate(_invitation(walk, base))
    for name, value in _columns(_merged(walk, body)).items():
        setattr(walk, name, value)
    after = WalkRescheduled.model_validate(_invitation(walk, base))
    if after != before:  # those invited hear of real changes only
        walk.updated_at = utcnow()
        session.add(walk)
        emit(session, after)
    return walk


def _merged(walk: Walk, change: WalkChange) -> WalkDetails:
    """The walk as it would be after the change, checked as a whole (the dates against the day)."""
    current = {
        **walk.model_dump(include=set(WalkDetails.model_fields)),
        "area": geometry(walk.area),
        "route": geometry(walk.route),
        "meeting_point": meeting_point(walk).model_dump(),
    }
    try:
        return WalkDetails.model_validate({**current, **change.model_dump(exclude_unset=True)})
    except ValidationError as exc:
        raise InvalidInput(
            "The walk would not be consistent after this change.",
            errors=[validation_error({**e, "loc": ("body", *e["loc"])}) for e in exc.errors()],
        ) from None


async def conduct_walk(
    session: AsyncSession, principal: Principal, walk_id: uuid.UUID, body: WalkConduct
) -> Walk:
    """The walk took place: its status moves on, and what it found is published as an event."""
    walk = await get_walk(session, principal, walk_id, lock=True)
    if walk.status != WalkStatus.PLANNED:
        raise WalkStatusConflict(f"The walk is {walk.status}; only a planned walk is conducted.")
    now = utcnow()
    if body.conducted_at and body.conducted_at > now + CLOCK_SKEW:
        raise InvalidField("/conducted_at", "A walk cannot be conducted in the future.")
    walk.status = WalkStatus.CONDUCTED
    walk.conducted_at = body.conducted_at or now
    walk.updated_at = now
    session.add(walk)
    if walk.follows_up_walk_id is not None:
        await _mark_followed_up(session, walk.follows_up_walk_id, now)
    emit(session, await _conducted(session, walk))
    return walk


async def _mark_followed_up(session: AsyncSession, walk_id: uuid.UUID, now: datetime) -> None:
    original = (await session.exec(select(Walk).where(Walk.id == walk_id))).one()
    if original.status == WalkStatus.PROTOCOL_PUBLISHED:
        original.status = WalkStatus.FOLLOWED_UP
        original.followed_up_at = now
        original.updated_at = now
        session.add(original)


async def _conducted(session: AsyncSession, walk: Walk) -> WalkConducted:
    assert walk.conducted_at is not None
    observations = await session.exec(
        select(Observation).where(Observation.walk_id == walk.id).order_by(col(Observation.id))
    )
    return WalkConducted.model_validate(
        {
            **walk.model_dump(include=WALK_FACTS),
            "walk_id": walk.id,
            "area": geometry(walk.area),
            "participants_by_role": await participants_by_role(session, walk.id),
            "observations": [
                ObservedPlace.model_validate(
                    {
                        **o.model_dump(include=OBSERVED_FIELDS),
                        "observation_id": o.id,
                        "location": geometry(o.location),
                    }
                )
                for o in observations
            ],
        }
    )


async def participants_by_role(session: AsyncSession, walk_id: uuid.UUID) -> dict[Any, int]:
    counts = await session.exec(
        select(Participant.role, func.count())
        .where(Participant.walk_id == walk_id)
        .group_by(Participant.role)
    )
    by_role = {ParticipantRole(role): int(n) for role, n in counts}
    return {role: by_role[role] for role in ParticipantRole if role in by_role}
