"""Use cases of a round's visits: check in at a hot spot and out again, with what was done
and seen there. Observations meant to become incidents become incidents at the check-out.
(Turning an observation into a tip is left to the tips service's own intake.)"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.domain import IncidentSource, RoundStatus, VisitStatus, utcnow
from patrols.errors import InvalidField, RoundStatusConflict, VisitNotFound
from patrols.incidents.models import Incident
from patrols.rounds.models import PatrolRound, Visit
from patrols.rounds.schemas import VisitRead, VisitReport, visit_read
from patrols.rounds.service import (
    Place,
    check_one_place_at_a_time,
    find_places,
    get_round,
    hot_spot_names,
    visits_of,
)
from shared import geo
from shared.auth import Principal

# A unit checks in on its way or a little late: around the shift, not only within it.
CHECK_MARGIN = timedelta(minutes=30)
CLOCK_SKEW = timedelta(minutes=1)
MAX_OBSERVATIONS = 50


async def _visit_of(session: AsyncSession, patrol_round: PatrolRound, visit_id: uuid.UUID) -> Visit:
    visit = await session.get(Visit, visit_id)
    if visit is None or visit.round_id != patrol_round.id:
        raise VisitNotFound(f"The round has no visit {visit_id}.")
    return visit


def _moment(patrol_round: PatrolRound, at: datetime | None, now: datetime) -> datetime:
    moment = at or now
    if moment > now + CLOCK_SKEW:
        raise InvalidField("/at", "a check-in or check-out cannot be in the future")
    earliest = patrol_round.shift_start - CHECK_MARGIN
    latest = patrol_round.shift_end + CHECK_MARGIN
    if not earliest <= moment <= latest:
        raise InvalidField("/at", "must lie within the shift, give or take 30 minutes")
    return moment


def _observations(visit: Visit, report: VisitReport) -> list[dict[str, Any]]:
    """The visit's observations with the report's added; a new list, so the change is saved."""
    added = [{**o.model_dump(), "incident_id": None} for o in report.observations]
    if len(visit.observations) + len(added) > MAX_OBSERVATIONS:
        raise InvalidField("/observations", f"a visit holds at most {MAX_OBSERVATIONS}")
    return [dict(o) for o in visit.observations] + added


def _record(visit: Visit, report: VisitReport, observations: list[dict[str, Any]]) -> None:
    if report.activity is not None:
        visit.activity = report.activity
    visit.observations = observations


async def check_in(
    session: AsyncSession,
    principal: Principal,
    round_id: uuid.UUID,
    visit_id: uuid.UUID,
    report: VisitReport,
) -> VisitRead:
    """The unit is at the hot spot; the round is under way from its first check-in."""
    patrol_round = await get_round(session, principal, round_id, lock=True)
    if patrol_round.status not in (RoundStatus.PLANNED, RoundStatus.IN_PROGRESS):
        raise RoundStatusConflict(f"The round is {patrol_round.status}.")
    visit = await _visit_of(session, patrol_round, visit_id)
    if visit.status != VisitStatus.PLANNED:
        raise RoundStatusConflict(f"The visit is {visit.status}; only a planned one checks in.")
    visits = await visits_of(session, patrol_round.id)
    check_one_place_at_a_time(visits)
    at = _moment(patrol_round, report.at, utcnow())
    last_out = max((v.checked_out_at for v in visits if v.checked_out_at), default=None)
    if last_out is not None and at < last_out:
        raise InvalidField("/at", f"the round's last check-out was later, at {last_out}")
    observations = _observations(visit, report)
    visit.status, visit.checked_in_at = VisitStatus.CHECKED_IN, at
    _record(visit, report, observations)
    if patrol_round.status == RoundStatus.PLANNED:
        patrol_round.status, patrol_round.started_at = RoundStatus.IN_PROGRESS, at
    session.add_all([visit, patrol_round])
    await session.flush()
    names = await hot_spot_names(session, {visit.hot_spot_id})
    return visit_read(visit, names[visit.hot_spot_id])


async def _place(session: AsyncSession, hot_spot_id: uuid.UUID) -> Place:
    return (await find_places(session, [hot_spot_id]))[hot_spot_id]


@dataclass(frozen=True)
class _Seen:
    """Where and when a visit's observations were made: at the hot spot, by its check-out."""

    place: Place
    visit: Visit
    at: datetime
    by: str


def _incident(seen: _Seen, n: int, observation: dict[str, Any]) -> Incident:
    visit, place, at = seen.visit, seen.place, seen.at
    reported = {"visit": str(visit.id), "n": n, "category": observation["category"]}
    digest = hashlib.sha256(json.dumps({**reported, "at": at.isoformat()}).encode()).hexdigest()
    return Incident(
        municipality_code=place.hot_spot.municipality_code,
        source=IncidentSource.ROUND,
        external_id=f"{visit.id}:{n}",
        category=observation["category"],
        occurred_at=at,
        location=geo.to_db(geo.Point(type="Point", coordinates=(place.lon, place.lat))),
        locality=place.hot_spot.locality,
        reported_by=seen.by,
        submission_hash=digest,
        created_at=utcnow(),
    )


def _incidents(seen: _Seen, observations: list[dict[str, Any]]) -> list[Incident]:
    """Incidents of the observations meant to become one and not yet made into one; each
    observation is marked with its incident."""
    made = []
    for n, observation in enumerate(observations, start=1):
        if observation["becomes"] == "incident" and observation["incident_id"] is None:
            incident = _incident(seen, n, observation)
            observation["incident_id"] = str(incident.id)
            made.append(incident)
    return made


async def check_out(
    session: AsyncSession,
    principal: Principal,
    round_id: uuid.UUID,
    visit_id: uuid.UUID,
    report: VisitReport,
) -> VisitRead:
    """The unit leaves the hot spot: the real dwell is recorded, and observations meant to be
    incidents become incidents at the hot spot's centre."""
    patrol_round = await get_round(session, principal, round_id, lock=True)
    visit = await _visit_of(session, patrol_round, visit_id)
    if visit.status != VisitStatus.CHECKED_IN or visit.checked_in_at is None:
        raise RoundStatusConflict(f"The visit is {visit.status}; only a checked-in one checks out.")
    at = _moment(patrol_round, report.at, utcnow())
    if at < visit.checked_in_at:
        raise InvalidField("/at", f"the visit was checked in later, at {visit.checked_in_at}")
    observations = _observations(visit, report)
    place = await _place(session, visit.hot_spot_id)
    visit.status, visit.checked_out_at = VisitStatus.DONE, at
    session.add_all(_incidents(_Seen(place, visit, at, principal.subject), observations))
    _record(visit, report, observations)
    session.add(visit)
    await session.flush()
    return visit_read(visit, place.hot_spot.name)
