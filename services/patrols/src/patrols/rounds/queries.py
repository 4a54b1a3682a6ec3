"""Lists of rounds, and the dosage of presence each hot spot had: how many of the visits
planned were made, and for how long."""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, cast, func, select
from sqlmodel import col
from sqlmodel import select as select_models
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.domain import LOCAL_TIME, RoundStatus, VisitStatus
from patrols.errors import InvalidField
from patrols.hotspots.models import HotSpot
from patrols.rounds.models import PatrolRound, Visit
from patrols.rounds.schemas import DosageReport, HotSpotDosage, RoundSummary
from shared.pagination import PageParams, fetch
from shared.problems import in_query


@dataclass(frozen=True)
class RoundFilter:
    from_day: date | None = None
    to_day: date | None = None
    status: RoundStatus | None = None


def _local_day(moment: Any) -> ColumnElement[date]:
    return func.date(func.timezone(str(LOCAL_TIME), moment))


def _in_period(statement: Any, moment: Any, from_day: date | None, to_day: date | None) -> Any:
    if from_day is not None and to_day is not None and to_day < from_day:
        raise InvalidField(in_query("to"), "the period must not end before it begins")
    if from_day is not None:
        statement = statement.where(_local_day(moment) >= from_day)
    if to_day is not None:
        statement = statement.where(_local_day(moment) <= to_day)
    return statement


async def _visit_counts(
    session: AsyncSession, round_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    done = col(Visit.status) == VisitStatus.DONE
    query = (
        select(col(Visit.round_id), func.count(), func.count().filter(done))
        .where(col(Visit.round_id).in_(round_ids))
        .group_by(col(Visit.round_id))
    )
    conn = await session.connection()
    return {row[0]: (row[1], row[2]) for row in await conn.execute(query)}


async def list_rounds(
    session: AsyncSession, municipality: str, where: RoundFilter, page: PageParams
) -> tuple[list[RoundSummary], int]:
    """The municipality's rounds by shift, the latest first."""
    query = select_models(PatrolRound).where(PatrolRound.municipality_code == municipality)
    if where.status is not None:
        query = query.where(PatrolRound.status == where.status)
    query = _in_period(query, PatrolRound.shift_start, where.from_day, where.to_day)
    query = query.order_by(col(PatrolRound.shift_start).desc(), col(PatrolRound.id))
    rows, total = await fetch(session, query, page)
    counts = await _visit_counts(session, [r.id for r in rows])
    summaries = [
        RoundSummary.model_validate(
            {
                **r.model_dump(),
                "visits_planned": counts.get(r.id, (0, 0))[0],
                "visits_done": counts.get(r.id, (0, 0))[1],
            }
        )
        for r in rows
    ]
    return summaries, total


def _dwell_range(bound: str) -> ColumnElement[int]:
    """A bound of the dwell range the visit's round was planned under, in seconds."""
    return cast(func.jsonb_extract_path_text(col(PatrolRound.rules), bound), Integer) * 60


def _dosage_query(municipality: str, from_day: date | None, to_day: date | None) -> Any:
    done = col(Visit.status) == VisitStatus.DONE
    dwell = func.extract("epoch", col(Visit.checked_out_at) - col(Visit.checked_in_at))
    within = and_(
        done,
        dwell >= _dwell_range("dwell_min_minutes"),
        dwell <= _dwell_range("dwell_max_minutes"),
    )
    query = (
        select(
            col(Visit.hot_spot_id),
            col(HotSpot.name),
            col(HotSpot.locality),
            func.count().label("planned"),
            func.count().filter(done).label("done"),
            func.coalesce(func.sum(dwell).filter(done), 0).label("seconds"),
            func.count().filter(within).label("within"),
        )
        .join(PatrolRound, col(PatrolRound.id) == col(Visit.round_id))
        .join(HotSpot, col(HotSpot.id) == col(Visit.hot_spot_id))
        # Only completed rounds: until then a visit not yet made is not a visit missed.
        .where(
            col(PatrolRound.municipality_code) == municipality,
            col(PatrolRound.status) == RoundStatus.COMPLETED,
        )
        .group_by(col(Visit.hot_spot_id), col(HotSpot.name), col(HotSpot.locality))
        .order_by(col(HotSpot.name), col(Visit.hot_spot_id))
    )
    return _in_period(query, Visit.planned_arrival, from_day, to_day)


def _dosage(row: Any) -> HotSpotDosage:
    minutes = float(row.seconds) / 60
    return HotSpotDosage(
        hot_spot_id=row.hot_spot_id,
        name=row.name,
        locality=row.locality,
        planned_visits=row.planned,
        visits_done=row.done,
        minutes=round(minutes, 2),
        share_done=round(row.done / row.planned, 4),
        mean_dwell_minutes=round(minutes / row.done, 2) if row.done else None,
        share_dwell_within=round(row.within / row.done, 4) if row.done else None,
    )


async def dosage(
    session: AsyncSession, municipality: str, from_day: date | None, to_day: date | None
) -> DosageReport:
    """Per hot spot visited by a completed round in the period (by the planned arrival's day)."""
    conn = await session.connection()
    rows = await conn.execute(_dosage_query(municipality, from_day, to_day))
    return DosageReport(
        municipality_code=municipality,
        from_day=from_day,
        to_day=to_day,
        hot_spots=[_dosage(row) for row in rows],
    )
