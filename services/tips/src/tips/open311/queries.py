"""What anyone may read of a municipality's tips as Open311 requests, and how the requests are
found: never a restricted tip, never the tipster's words, contact or address; a place no finer
than its 250 m grid square and times no finer than their three-hour block."""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import and_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from shared import geo, municipalities
from shared.dates import Moment
from tips.categories.models import Category
from tips.domain import CATEGORY_CODE, Status, time_block, time_block_end, utcnow
from tips.open311.schemas import (
    InvalidParameter,
    JurisdictionNotFound,
    MissingParameter,
    ServiceRequest,
    ServiceRequestNotFound,
)
from tips.tips import service as intake
from tips.tips.models import Tip

# The spec's default volume: the last 90 days, or the newest 1,000 requests if fewer.
MAX_REQUESTS = 1000
WINDOW = timedelta(days=90)
MUNICIPALITY_CODE = re.compile(r"^[0-9]{4}$")
SERVICE_CODE = re.compile(CATEGORY_CODE)
STATUSES = {"open", "closed"}
MOMENT: TypeAdapter[datetime] = TypeAdapter(Moment)
# A "+" in a query string is a space once decoded: a client that did not escape its zone's
# sign ("...T00:00:00+01:00") means a plus.
UNESCAPED_PLUS = re.compile(r" (?=[0-9]{2}:[0-9]{2}$)")


# A tip with its category's name and notice.
Visible = Select[Tip, str, str | None]


@dataclass(frozen=True)
class RequestQuery:
    """The filters of `GET requests` as given, each `None` when not given or empty."""

    jurisdiction_id: str | None = None
    service_request_id: str | None = None
    service_code: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class RequestFilter:
    ids: list[uuid.UUID] | None = None
    codes: list[str] | None = None
    statuses: set[str] | None = None
    start: datetime | None = None
    end: datetime | None = None


async def jurisdiction(session: AsyncSession, jurisdiction_id: str | None) -> str:
    """The municipality asked about: one this deployment serves, that is, has categories."""
    code = (jurisdiction_id or "").strip()
    if not code:
        raise MissingParameter("jurisdiction_id was not provided: give a municipality code.")
    if MUNICIPALITY_CODE.fullmatch(code):
        query = select(Category.code).where(Category.municipality_code == code).limit(1)
        if (await session.exec(query)).first() is not None:
            return code
    raise JurisdictionNotFound(f"jurisdiction_id {code[:40]!r} was not found.")


def request_filter(query: RequestQuery, now: datetime) -> RequestFilter:
    """The filters, checked; given ids override every other filter, as the spec says."""
    if query.service_request_id is not None:
        return RequestFilter(ids=_ids(query.service_request_id))
    start, end = _window(
        _moment("start_date", query.start_date), _moment("end_date", query.end_date), now
    )
    return RequestFilter(
        codes=_listed(query.service_code),
        statuses=_statuses(query.status),
        start=start,
        end=end,
    )


def _listed(value: str | None) -> list[str] | None:
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    return items or None


def _ids(value: str) -> list[uuid.UUID] | None:
    ids = []
    for item in _listed(value) or []:
        try:
            ids.append(uuid.UUID(item))
        except ValueError:
            raise InvalidParameter(
                f"service_request_id: {item[:40]!r} is not a request id."
            ) from None
    if len(ids) > MAX_REQUESTS:
        raise InvalidParameter(f"service_request_id: at most {MAX_REQUESTS} ids.")
    return ids or None


def _statuses(value: str | None) -> set[str] | None:
    statuses = set(_listed(value) or [])
    if statuses - STATUSES:
        raise InvalidParameter("status: give open, closed, or both comma-separated.")
    return statuses or None


def _moment(name: str, value: str | None) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        return MOMENT.validate_python(UNESCAPED_PLUS.sub("+", value.strip()))
    except ValidationError:
        raise InvalidParameter(
            f"{name}: must be a W3C datetime with a time zone, such as 2026-12-01T00:00:00Z."
        ) from None


def _window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The span asked for, at most 90 days; by default the last 90 days."""
    if start is not None and end is not None:
        if end < start:
            raise InvalidParameter("end_date: must not be before start_date.")
        if end - start > WINDOW:
            raise InvalidParameter("start_date, end_date: may span at most 90 days.")
        return start, end
    if start is not None:
        return start, start + WINDOW
    if end is not None:
        return end - WINDOW, end
    return now - WINDOW, now


def _visible(municipality: str) -> Visible:
    """The municipality's tips anyone may see: none that is restricted, or of a restricted
    category (offences, GDPR art. 10), with their category's name and notice."""
    category = and_(
        col(Category.municipality_code) == col(Tip.municipality_code),
        col(Category.code) == col(Tip.category_code),
    )
    return (
        select(Tip, Category.name_sv, Category.notice_sv)
        .join(Category, category)
        .where(
            Tip.municipality_code == municipality,
            col(Tip.restricted).is_(False),
            col(Category.restricted).is_(False),
        )
    )


def _filtered(query: Visible, where: RequestFilter) -> Visible:
    if where.ids is not None:
        return query.where(col(Tip.id).in_(where.ids))
    if where.codes is not None:
        # A code no category can have matches nothing, and is not sent to the database.
        codes = [code for code in where.codes if SERVICE_CODE.fullmatch(code)]
        query = query.where(col(Tip.category_code).in_(codes))
    if where.statuses == {"open"}:
        query = query.where(Tip.status != Status.CLOSED)
    elif where.statuses == {"closed"}:
        query = query.where(Tip.status == Status.CLOSED)
    if where.start is not None and where.end is not None:
        # A tip is in the span when its block starts in it: finer bounds would tell its time.
        query = query.where(
            col(Tip.created_at) >= _first_block_from(where.start),
            col(Tip.created_at) < time_block_end(time_block(where.end)),
        )
    return query


def _first_block_from(moment: datetime) -> datetime:
    start = time_block(moment)
    return start if start == moment else time_block_end(start)


async def public_requests(
    session: AsyncSession, municipality: str, query: RequestQuery
) -> list[ServiceRequest]:
    """The tips asked for, newest first, at most `MAX_REQUESTS`."""
    where = request_filter(query, utcnow())
    statement = _filtered(_visible(municipality), where)
    statement = statement.order_by(col(Tip.created_at).desc(), col(Tip.id).desc())
    rows = (await session.exec(statement.limit(MAX_REQUESTS))).all()
    return await _public(session, municipality, rows)


async def public_request(
    session: AsyncSession, municipality: str, request_id: str
) -> ServiceRequest:
    try:
        tip_id = uuid.UUID(request_id)
    except ValueError:
        tip_id = None
    rows: Sequence[Any] = []
    if tip_id is not None:
        rows = (await session.exec(_visible(municipality).where(Tip.id == tip_id))).all()
    if not rows:
        raise ServiceRequestNotFound(
            f"service_request_id {request_id[:40]!r} was not found in jurisdiction {municipality}."
        )
    [found] = await _public(session, municipality, rows)
    return found


async def _public(session: AsyncSession, municipality: str, rows: Any) -> list[ServiceRequest]:
    centres = await _centres(session, [tip for tip, _, _ in rows])
    found = []
    for tip, name, notice in rows:
        centre = centres.get(tip.id)
        found.append(
            ServiceRequest(
                service_request_id=str(tip.id),
                status="closed" if tip.status == Status.CLOSED else "open",
                status_notes=tip.public_note,
                service_name=name,
                service_code=tip.category_code,
                description=tip.redacted_description,
                agency_responsible=agency(tip.assigned_to, municipality),
                service_notice=notice,
                requested_datetime=time_block(tip.created_at),
                updated_datetime=time_block(tip.closed_at or tip.updated_at),
                lat=centre[1] if centre else None,
                long=centre[0] if centre else None,
            )
        )
    return found


async def _centres(session: AsyncSession, tips: list[Tip]) -> dict[Any, tuple[float, float]]:
    """The centre of each located tip's grid square (longitude, latitude), in one query."""
    located = [t for t in tips if t.location is not None]
    points = [geo.Point.model_validate(geo.from_db(t.location)) for t in located]
    cells = await intake.grid_cells(session, points)
    return {t.id: cell.centre.coordinates for t, cell in zip(located, cells, strict=True)}


def agency(assigned_to: str | None, municipality: str) -> str:
    """Who is handling the tip: the police, a municipal department, else the municipality."""
    if assigned_to == "police":
        return "Polisen"
    if assigned_to is not None and assigned_to.startswith("dept:"):
        return assigned_to
    return f"{municipalities.name(municipality) or municipality} kommun"
