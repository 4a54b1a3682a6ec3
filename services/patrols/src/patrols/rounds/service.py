"""Use cases of patrol rounds: plan a shift over designated hot spots, read it, check its visits
in and out (observations may become incidents), complete or cancel it.

A round is police-only until it is over: then `round.completed` tells residents where the
round went and on which day, with the places in alphabetical order so the route stays unknown,
and nothing about the unit or the times of its visits.
"""

import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.config import RoundSettings
from patrols.domain import LOCAL_TIME, RoundStatus, VisitStatus, utcnow
from patrols.errors import InvalidField, RoundNotFound, RoundStatusConflict
from patrols.hotspots.models import HotSpot
from patrols.rounds import planner
from patrols.rounds.models import PatrolRound, Visit
from patrols.rounds.schemas import (
    SEED_LIMIT,
    RoundCreate,
    RoundRead,
    round_read,
)
from shared import geo
from shared.auth import Principal
from shared.contracts.patrols import RoundCompleted
from shared.outbox import emit
from shared.problems import InvalidInput

MAX_SHIFT = timedelta(hours=12)
# "Now" is a moment ago by the time the request arrives: a round may start that much earlier.
LATE_START = timedelta(minutes=5)


@dataclass(frozen=True)
class Place:
    """A designated hot spot with its centre, as the planner and the incidents need it."""

    hot_spot: HotSpot
    lon: float
    lat: float


# --- Planning -----------------------------------------------------------------------------------


def _local_days(start: datetime, end: datetime) -> tuple[date, date]:
    # The end is exclusive: a shift until midnight does not reach into the next day.
    last = end - timedelta(microseconds=1)
    return start.astimezone(LOCAL_TIME).date(), last.astimezone(LOCAL_TIME).date()


def _check_shift(body: RoundCreate, now: datetime) -> None:
    if body.shift_end <= body.shift_start:
        raise InvalidField("/shift_end", "the shift must end after it starts")
    if body.shift_end - body.shift_start > MAX_SHIFT:
        raise InvalidField("/shift_end", "a shift lasts at most 12 hours")
    if body.shift_start < now - LATE_START:
        raise InvalidField("/shift_start", "a round is planned for now or later")


def _check_spot_list(body: RoundCreate, rules: RoundSettings) -> None:
    most = min(rules.max_spots, planner.MAX_SPOTS)
    if len(body.hot_spot_ids) > most:
        raise InvalidField("/hot_spot_ids", f"a round visits at most {most} hot spots")
    if len(set(body.hot_spot_ids)) != len(body.hot_spot_ids):
        raise InvalidField("/hot_spot_ids", "name each hot spot once")


async def find_places(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Place]:
    centre = func.ST_Centroid(HotSpot.area)
    query = select(HotSpot, func.ST_X(centre), func.ST_Y(centre)).where(col(HotSpot.id).in_(ids))
    return {spot.id: Place(spot, lon, lat) for spot, lon, lat in await session.exec(query)}


def _unplannable(place: Place | None, municipality: str, days: tuple[date, date]) -> str | None:
    """Why this hot spot cannot be in the round, if it cannot."""
    if place is None or place.hot_spot.municipality_code != municipality:
        return f"there is no designated hot spot with this id in {municipality}"
    spot = place.hot_spot
    if spot.retired_at is not None:
        return "the hot spot was retired"
    if not spot.period_start <= days[0] <= days[1] <= spot.period_end:
        return f"the hot spot is designated from {spot.period_start} to {spot.period_end} only"
    return None


async def _designated(session: AsyncSession, municipality: str, body: RoundCreate) -> list[Place]:
    found = await find_places(session, body.hot_spot_ids)
    days = _local_days(body.shift_start, body.shift_end)
    errors = []
    for i, spot_id in enumerate(body.hot_spot_ids):
        reason = _unplannable(found.get(spot_id), municipality, days)
        if reason is not None:
            errors.append({"detail": reason, "pointer": f"/hot_spot_ids/{i}"})
    if errors:
        raise InvalidInput("Not every hot spot can be visited in this shift.", errors=errors)
    return [found[spot_id] for spot_id in body.hot_spot_ids]


def _plan(
    places: list[Place], body: RoundCreate, rules: RoundSettings, seed: int
) -> list[planner.PlannedVisit]:
    spots = [planner.Spot(p.hot_spot.id, p.lon, p.lat) for p in places]
    try:
        return planner.plan_round(
            spots, body.shift_start, body.shift_end, rules, random.Random(seed)
        )
    except planner.PlanImpossible as exc:
        pointer = "/shift_end" if exc.about == "shift" else "/hot_spot_ids"
        raise InvalidField(pointer, str(exc)) from None


async def plan_round(
    session: AsyncSession,
    principal: Principal,
    municipality: str,
    body: RoundCreate,
    rules: RoundSettings,
) -> RoundRead:
    """Plans the shift and stores the round with its visits; nothing is published."""
    _check_shift(body, utcnow())
    _check_spot_list(body, rules)
    places = await _designated(session, municipality, body)
    seed = body.seed if body.seed is not None else secrets.randbelow(SEED_LIMIT)
    planned = _plan(places, body, rules, seed)
    patrol_round = PatrolRound(
        municipality_code=municipality,
        unit=body.unit,
        shift_start=body.shift_start,
        shift_end=body.shift_end,
        status=RoundStatus.PLANNED,
        rules=rules.model_dump(mode="json"),
        seed=seed,
        created_by=principal.subject,
        created_at=utcnow(),
    )
    session.add(patrol_round)
    await session.flush()
    visits = [
        Visit(
            round_id=patrol_round.id,
            hot_spot_id=visit.spot_id,
            sequence=sequence,
            planned_arrival=visit.arrival,
            planned_departure=visit.departure,
            status=VisitStatus.PLANNED,
        )
        for sequence, visit in enumerate(planned, start=1)
    ]
    session.add_all(visits)
    await session.flush()
    names = {p.hot_spot.id: p.hot_spot.name for p in places}
    return round_read(patrol_round, visits, names)


# --- Reading ------------------------------------------------------------------------------------


async def get_round(
    session: AsyncSession, principal: Principal, round_id: uuid.UUID, lock: bool = False
) -> PatrolRound:
    patrol_round = await session.get(PatrolRound, round_id)
    if patrol_round is None or not principal.may_access(patrol_round.municipality_code):
        raise RoundNotFound(f"No round {round_id}.")
    if lock:
        # Check-ins, check-outs and completion of one round happen one after the other.
        await session.refresh(patrol_round, with_for_update=True)
    return patrol_round


async def visits_of(session: AsyncSession, round_id: uuid.UUID) -> list[Visit]:
    query = select(Visit).where(Visit.round_id == round_id).order_by(col(Visit.sequence))
    return list(await session.exec(query))


async def hot_spot_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    query = select(HotSpot.id, HotSpot.name).where(col(HotSpot.id).in_(ids))
    return dict((await session.exec(query)).all())


async def read_round(session: AsyncSession, patrol_round: PatrolRound) -> RoundRead:
    visits = await visits_of(session, patrol_round.id)
    names = await hot_spot_names(session, {visit.hot_spot_id for visit in visits})
    return round_read(patrol_round, visits, names)


def check_one_place_at_a_time(visits: list[Visit]) -> None:
    """A unit is at one hot spot at a time: a visit checked in is checked out first."""
    for other in visits:
        if other.status == VisitStatus.CHECKED_IN:
            raise RoundStatusConflict(
                f"Visit {other.sequence} ({other.id}) is checked in: check it out first."
            )


async def show_round(session: AsyncSession, principal: Principal, round_id: uuid.UUID) -> RoundRead:
    return await read_round(session, await get_round(session, principal, round_id))


# --- Completing and cancelling ------------------------------------------------------------------


def _minutes(visits: list[Visit]) -> int:
    seconds = sum(
        (v.checked_out_at - v.checked_in_at).total_seconds()
        for v in visits
        if v.checked_out_at and v.checked_in_at
    )
    return round(seconds / 60)


async def _summary(
    session: AsyncSession, patrol_round: PatrolRound, visits: list[Visit]
) -> RoundCompleted | None:
    """What residents may hear of the round; nothing when no visit was made."""
    done = [visit for visit in visits if visit.status == VisitStatus.DONE]
    if not done:
        return None
    spots = await session.exec(
        select(HotSpot).where(col(HotSpot.id).in_({v.hot_spot_id for v in done}))
    )
    places = []
    # By name, never in the order visited: the summary does not give the route away.
    for spot in sorted(spots, key=lambda s: (s.name, str(s.id))):
        own = [visit for visit in done if visit.hot_spot_id == spot.id]
        place = {"hot_spot_id": spot.id, "name": spot.name, "locality": spot.locality}
        area = geo.from_db(spot.area)
        places.append({**place, "area": area, "visits": len(own), "minutes": _minutes(own)})
    return RoundCompleted.model_validate(
        {
            "municipality_code": patrol_round.municipality_code,
            "round_id": patrol_round.id,
            "day": patrol_round.shift_start.astimezone(LOCAL_TIME).date(),
            "places": places,
            "visits": sum(p["visits"] for p in places),
            "minutes": sum(p["minutes"] for p in places),
        }
    )


async def complete_round(
    session: AsyncSession, principal: Principal, round_id: uuid.UUID
) -> RoundRead:
    """The round is over: visits not made are missed, and residents hear where it went."""
    patrol_round = await get_round(session, principal, round_id, lock=True)
    if patrol_round.status not in (RoundStatus.PLANNED, RoundStatus.IN_PROGRESS):
        raise RoundStatusConflict(f"The round is {patrol_round.status}; it cannot be completed.")
    visits = await visits_of(session, patrol_round.id)
    check_one_place_at_a_time(visits)
    for visit in visits:
        if visit.status == VisitStatus.PLANNED:
            visit.status = VisitStatus.MISSED
    patrol_round.status, patrol_round.completed_at = RoundStatus.COMPLETED, utcnow()
    session.add_all([patrol_round, *visits])
    summary = await _summary(session, patrol_round, visits)
    if summary is not None:
        emit(session, summary)
    await session.flush()
    return await read_round(session, patrol_round)


async def cancel_round(
    session: AsyncSession, principal: Principal, round_id: uuid.UUID
) -> RoundRead:
    """A round no one has checked in on yet is called off; residents hear nothing."""
    patrol_round = await get_round(session, principal, round_id, lock=True)
    if patrol_round.status != RoundStatus.PLANNED:
        raise RoundStatusConflict(
            f"The round is {patrol_round.status}: only a round before its first check-in can "
            "be cancelled (complete one under way)."
        )
    patrol_round.status = RoundStatus.CANCELLED
    session.add(patrol_round)
    await session.flush()
    return await read_round(session, patrol_round)
