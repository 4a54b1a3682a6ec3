"""Approving a week's picture (a frozen, numbered version), reading versions, the public
summary and the quarterly and yearly analyses."""

import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.domain import utcnow
from patrols.errors import InvalidField
from patrols.situation.models import SituationReport
from patrols.situation.picture import Week
from patrols.situation.public import public_places
from patrols.situation.schemas import (
    Analysis,
    Effort,
    PublicPlace,
    PublicSummary,
    Series,
    Shift,
    SituationReportOut,
    VersionList,
    VersionSummary,
    WeekPicture,
)
from shared.auth import Principal
from shared.contracts.patrols import CategoryCount, PlaceCounts, SituationReportApproved
from shared.outbox import emit
from shared.problems import Conflict, NotFound, in_query

APPROVED = "approved"
WEEKS_PER_QUARTER = 13
MOVED = 3  # localities listed as where the picture grew and shrank most


async def _latest_version(session: AsyncSession, municipality: str, week: Week) -> int:
    query = select(func.max(col(SituationReport.version))).where(
        col(SituationReport.municipality_code) == municipality,
        col(SituationReport.year) == week.year,
        col(SituationReport.week) == week.week,
    )
    return int((await session.exec(query)).one() or 0)


async def approve(
    session: AsyncSession,
    principal: Principal,
    week: Week,
    figures: WeekPicture,
    text: str,
    threshold: int,
) -> SituationReport:
    """Freezes the picture as the week's next version and tells the world its safe counts."""
    now = utcnow()
    report = SituationReport(
        municipality_code=figures.municipality_code,
        year=week.year,
        week=week.week,
        version=await _latest_version(session, figures.municipality_code, week) + 1,
        status=APPROVED,
        text=text,
        figures=figures.model_dump(mode="json"),
        threshold=threshold,
        created_by=principal.subject,
        created_at=now,
        approved_by=principal.subject,
        approved_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(report)
            await session.flush()
    except IntegrityError:
        # Another approval of the same week took this version number first.
        raise SituationConflict("The week was approved at the same moment; try again.") from None
    emit(session, approved_event(report))
    return report


def approved_event(report: SituationReport) -> SituationReportApproved:
    """The event of an approval: the public view of the frozen figures, nothing smaller."""
    summary = public_summary(report)
    return SituationReportApproved(
        municipality_code=report.municipality_code,
        report_id=report.id,
        year=report.year,
        week=report.week,
        version=report.version,
        threshold=report.threshold,
        total=summary.total,
        places=[_place_counts(place) for place in summary.places],
        hot_spots=summary.hot_spots,
        rounds=summary.rounds_completed,
        approved_at=report.approved_at or report.created_at,
    )


def _place_counts(place: PublicPlace) -> PlaceCounts:
    categories = [
        CategoryCount(category=c.category, count=c.count, change=c.change) for c in place.categories
    ]
    return PlaceCounts(locality=place.locality, total=place.total, categories=categories)


def public_summary(report: SituationReport) -> PublicSummary:
    figures = WeekPicture.model_validate(report.figures)
    total, places = public_places(figures.localities, report.threshold)
    return PublicSummary(
        municipality_code=report.municipality_code,
        year=report.year,
        week=report.week,
        version=report.version,
        threshold=report.threshold,
        approved_at=report.approved_at,
        total=total,
        places=places,
        hot_spots=len(figures.hot_spots),
        rounds_completed=figures.rounds_completed,
    )


def as_out(report: SituationReport) -> SituationReportOut:
    return SituationReportOut.model_validate(report, from_attributes=True)


def _of_week(municipality: str, week: Week) -> list[ColumnElement[bool]]:
    return [
        col(SituationReport.municipality_code) == municipality,
        col(SituationReport.year) == week.year,
        col(SituationReport.week) == week.week,
    ]


async def versions(session: AsyncSession, municipality: str, week: Week) -> VersionList:
    query = select(SituationReport).where(*_of_week(municipality, week))
    reports = await session.exec(query.order_by(col(SituationReport.version)))
    return VersionList(
        municipality_code=municipality,
        year=week.year,
        week=week.week,
        versions=[VersionSummary.model_validate(r, from_attributes=True) for r in reports],
    )


async def version(
    session: AsyncSession, municipality: str, week: Week, number: int
) -> SituationReport:
    query = select(SituationReport).where(
        *_of_week(municipality, week), col(SituationReport.version) == number
    )
    report = (await session.exec(query)).first()
    if report is None:
        raise SituationReportNotFound(f"Week {week.year}-W{week.week:02} has no version {number}.")
    return report


async def latest_approved(session: AsyncSession, municipality: str, week: Week) -> SituationReport:
    query = (
        select(SituationReport)
        .where(*_of_week(municipality, week), col(SituationReport.status) == APPROVED)
        .order_by(col(SituationReport.version).desc())
        .limit(1)
    )
    report = (await session.exec(query)).first()
    if report is None:
        raise SituationReportNotFound(f"Week {week.year}-W{week.week:02} is not approved yet.")
    return report


class SituationReportNotFound(NotFound):
    title = "Situation report not found"


class SituationConflict(Conflict):
    title = "The week's picture was approved at the same moment"


# Analyses ---------------------------------------------------------------------------------


def period_weeks(period: str, year: int, quarter: int | None) -> range:
    """The ISO weeks of a quarter (1-13, 14-26, 27-39, 40 to the year's last) or of the year."""
    last = date(year, 12, 28).isocalendar().week  # 28 December is in the year's last week
    if period == "year":
        return range(1, last + 1)
    if quarter is None:
        raise InvalidField(in_query("quarter"), "a quarterly analysis needs its quarter")
    first = (quarter - 1) * WEEKS_PER_QUARTER + 1
    return range(first, last + 1 if quarter == 4 else first + WEEKS_PER_QUARTER)


async def _approved_weeks(
    session: AsyncSession, municipality: str, year: int, weeks: range
) -> dict[int, WeekPicture]:
    """The latest approved version of each week in the range."""
    query = select(SituationReport).where(
        col(SituationReport.municipality_code) == municipality,
        col(SituationReport.year) == year,
        col(SituationReport.week) >= weeks.start,
        col(SituationReport.week) < weeks.stop,
        col(SituationReport.status) == APPROVED,
    )
    latest: dict[int, SituationReport] = {}
    for report in await session.exec(query):
        if report.week not in latest or latest[report.week].version < report.version:
            latest[report.week] = report
    return {w: WeekPicture.model_validate(latest[w].figures) for w in sorted(latest)}


def _slope(weekly: list[int]) -> float:
    n = len(weekly)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(weekly) / n
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(weekly))
    variance = sum((x - mean_x) ** 2 for x in range(n))
    return round(covariance / variance, 4)


def _series(locality: str | None, category: str | None, weekly: list[int]) -> Series:
    half = len(weekly) // 2
    return Series(
        locality=locality,
        category=category,
        weekly=weekly,
        total=sum(weekly),
        slope=_slope(weekly),
        first_half=sum(weekly[:half]),
        second_half=sum(weekly[half:]),
    )


Key = tuple[str | None, str | None]  # (locality, category); None in either: all of them


def _all_series(pictures: list[WeekPicture]) -> dict[Key, list[int]]:
    weekly: dict[Key, list[int]] = defaultdict(lambda: [0] * len(pictures))
    for index, week in enumerate(pictures):
        for place in week.localities:
            weekly[(place.locality, None)][index] += place.count
            for category in place.categories:
                weekly[(place.locality, category.category)][index] += category.count
        for category in week.categories:
            weekly[(None, category.category)][index] += category.count
    return dict(weekly)


def _shifts(weekly: dict[Key, list[int]], weeks: int) -> list[Shift]:
    """How each locality's share of all incidents moved from the first half to the second."""
    half = weeks // 2
    places = {key[0]: counts for key, counts in weekly.items() if key[1] is None}
    first_all = sum(sum(counts[:half]) for counts in places.values()) or 1
    second_all = sum(sum(counts[half:]) for counts in places.values()) or 1
    shifts = []
    for locality, counts in places.items():
        first, second = sum(counts[:half]) / first_all, sum(counts[half:]) / second_all
        shifts.append(
            Shift(
                locality=locality,
                first_share=round(first, 4),
                second_share=round(second, 4),
                change=round(second - first, 4),
            )
        )
    return sorted(shifts, key=lambda shift: (shift.change, shift.locality or ""))


def _efforts(pictures: list[WeekPicture]) -> list[Effort]:
    hot_spots: dict[str | None, set[uuid.UUID]] = defaultdict(set)
    visits: dict[str | None, int] = defaultdict(int)
    minutes: dict[str | None, float] = defaultdict(float)
    rounds: dict[str | None, int] = defaultdict(int)
    for week in pictures:
        for spot in week.hot_spots:
            hot_spots[spot.locality].add(spot.hot_spot_id)
            visits[spot.locality] += spot.visits_done
            minutes[spot.locality] += spot.minutes
        for place in week.rounds_by_locality:
            rounds[place.locality] += place.rounds
    localities = sorted(set(hot_spots) | set(rounds), key=lambda locality: locality or "")
    return [
        Effort(
            locality=locality,
            hot_spots=len(hot_spots[locality]),
            visits_done=visits[locality],
            minutes=round(minutes[locality], 2),
            rounds=rounds[locality],
        )
        for locality in localities
    ]


async def analysis(
    session: AsyncSession, municipality: str, period: str, year: int, quarter: int | None
) -> Analysis:
    """Trends per place and category over the approved weeks, where the picture moved, and
    which insatser ran where."""
    weeks = period_weeks(period, year, quarter)
    approved = await _approved_weeks(session, municipality, year, weeks)
    pictures = list(approved.values())
    weekly = _all_series(pictures)
    shifts = _shifts(weekly, len(pictures))
    ordered = sorted(weekly.items(), key=lambda item: (item[0][0] or "", item[0][1] or ""))
    return Analysis(
        municipality_code=municipality,
        period="year" if period == "year" else "quarter",
        year=year,
        quarter=quarter if period == "quarter" else None,
        weeks=list(approved),
        series=[_series(key[0], key[1], counts) for key, counts in ordered],
        grew=[s for s in reversed(shifts) if s.change > 0][:MOVED],
        shrank=[s for s in shifts if s.change < 0][:MOVED],
        efforts=_efforts(pictures),
        rounds_completed=sum(week.rounds_completed for week in pictures),
    )
