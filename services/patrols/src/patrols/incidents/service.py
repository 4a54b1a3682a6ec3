"""Use cases of incidents: reporting one or a batch, reading one, withdrawing one.

A report is checked (its time, its locality), stored by `storage.add_incidents`, and refused
when its id already names another incident; a batch is all of that for every row at once.
"""

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import shapely.prepared
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.domain import REPORTED_SOURCES, utcnow
from patrols.errors import IncidentIdTaken, IncidentNotFound, InvalidField
from patrols.incidents import batches
from patrols.incidents.models import Incident
from patrols.incidents.schemas import BatchResult, IncidentCreate
from patrols.incidents.storage import Key, NewIncident, add_incidents, fingerprint
from shared import geo, localities
from shared.auth import Principal
from shared.problems import Conflict, InvalidInput

# A clock a few minutes fast is not a report from the future.
CLOCK_SKEW = timedelta(minutes=5)
# A batch whose every row is wrong would answer thousands of errors; the first ones show how.
MAX_LISTED_ERRORS = 500


@dataclass(frozen=True)
class Reported:
    incident: Incident
    created: bool  # False: the same report was stored before


class _FieldWrong(Exception):
    """One field of a report is wrong in a way its schema cannot say."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(detail)
        self.name = name
        self.detail = detail


@functools.cache
def _areas(municipality: str) -> tuple[tuple[str, Any], ...]:
    # Prepared once: a batch of thousands of points is placed in its localities in milliseconds.
    return tuple(
        (x.name, shapely.prepared.prep(x.area.to_shape()))
        for x in localities.of_municipality(municipality)
    )


def _containing(point: geo.Point, municipality: str) -> str | None:
    shape = point.to_shape()
    return next((name for name, area in _areas(municipality) if area.covers(shape)), None)


def _named_locality(name: str, municipality: str) -> str:
    known = localities.find(name, municipality)
    if known is None:
        names = ", ".join(x.name for x in localities.of_municipality(municipality))
        raise _FieldWrong("locality", f"not a locality of the municipality ({names or 'none'})")
    return known.name


def _checked(report: IncidentCreate, municipality: str, now: datetime) -> NewIncident:
    """The report as it is stored; `_FieldWrong` says which of its fields is wrong, and how."""
    if report.occurred_at > now + CLOCK_SKEW:
        raise _FieldWrong("occurred_at", "must not be in the future")
    given = _named_locality(report.locality, municipality) if report.locality else None
    derived = _containing(report.location, municipality) if report.location else None
    content = {**report.model_dump(mode="json"), "locality": given}
    return NewIncident(
        source=report.source,
        external_id=report.external_id,
        category=report.category,
        occurred_at=report.occurred_at,
        location=report.location,
        locality=given or derived,
        submission_hash=fingerprint(municipality, content),
    )


async def _by_key(session: AsyncSession, municipality: str, key: Key) -> Incident:
    statement = select(Incident).where(
        Incident.municipality_code == municipality,
        Incident.source == key[0],
        Incident.external_id == key[1],
    )
    return (await session.exec(statement)).one()


async def report_incident(
    session: AsyncSession, principal: Principal, municipality: str, report: IncidentCreate
) -> Reported:
    """Stores the report, or finds it stored by an earlier try; refuses another report under
    the same id (409)."""
    principal.require_municipality(municipality)
    try:
        new = _checked(report, municipality, utcnow())
    except _FieldWrong as wrong:
        raise InvalidField(f"/{wrong.name}", wrong.detail) from None
    stored = await add_incidents(session, municipality, principal.subject, [new])
    incident = await _by_key(session, municipality, new.key)
    if stored.conflicts(new):
        raise IncidentIdTaken(
            f"{new.source} id {new.external_id} already names another incident ({incident.id})."
        )
    return Reported(incident, created=new.key in stored.created)


Checked = list[tuple[batches.Row, NewIncident]]


def _checked_rows(rows: list[batches.Row], municipality: str) -> Checked:
    """Every row checked, then refused together (422) if any is wrong."""
    now = utcnow()
    checked = []
    for row in rows:
        if row.report is None:
            continue
        try:
            checked.append((row, _checked(row.report, municipality, now)))
        except _FieldWrong as wrong:
            row.refuse(wrong.name, wrong.detail)
    errors = [error for row in rows for error in row.errors]
    if errors:
        raise _rows_refused(rows, errors)
    return checked


def _rows_refused(rows: list[batches.Row], errors: list[dict[str, str]]) -> InvalidInput:
    bad = sum(1 for row in rows if row.errors)
    detail = f"{bad} of {len(rows)} incidents are not valid; nothing was stored."
    if len(errors) > MAX_LISTED_ERRORS:
        detail += f" The first {MAX_LISTED_ERRORS} of {len(errors)} errors are listed."
    return InvalidInput(detail, errors=errors[:MAX_LISTED_ERRORS])


async def report_batch(
    session: AsyncSession,
    principal: Principal,
    municipality: str,
    content_type: str | None,
    body: bytes,
) -> BatchResult:
    """Stores every incident of the batch, or none: not when a row is invalid (422), nor when
    an id already names another incident (409)."""
    principal.require_municipality(municipality)
    checked = _checked_rows(batches.read(content_type, body), municipality)
    incidents = [new for _, new in checked]
    # A savepoint: the incidents stored before a conflict is found are taken back with it.
    async with session.begin_nested():
        stored = await add_incidents(session, municipality, principal.subject, incidents)
        taken = [(row, new) for row, new in checked if stored.conflicts(new)]
        if taken:
            raise _ids_taken(taken)
    created = len(stored.created)
    return BatchResult(created=created, unchanged=len(incidents) - created)


def _ids_taken(taken: Checked) -> IncidentIdTaken:
    detail = "already names another incident, stored or earlier in this batch"
    return IncidentIdTaken(
        f"{len(taken)} incidents reuse an id of another incident; nothing was stored.",
        conflicting=sorted({new.external_id for _, new in taken}),
        errors=[
            {"detail": detail, "pointer": f"{row.pointer}/external_id"}
            for row, _ in taken[:MAX_LISTED_ERRORS]
        ],
    )


# --- Reading and withdrawing --------------------------------------------------------------------


async def visible_incident(
    session: AsyncSession, principal: Principal, incident_id: uuid.UUID
) -> Incident:
    """The incident, if it is of one of the token's municipalities; otherwise not found."""
    incident = await session.get(Incident, incident_id)
    if incident is None or not principal.may_access(incident.municipality_code):
        raise IncidentNotFound(f"There is no incident {incident_id}.")
    return incident


async def withdraw_incident(
    session: AsyncSession, principal: Principal, incident_id: uuid.UUID
) -> None:
    """Deletes an incident reported by mistake; what came from a tip, a walk or a round stays
    (it is withdrawn where it came from)."""
    incident = await visible_incident(session, principal, incident_id)
    if incident.source not in REPORTED_SOURCES:
        raise Conflict(
            f"The incident came from a {incident.source}: only incidents reported by the police "
            "or the municipality can be withdrawn here."
        )
    await session.delete(incident)
    await session.flush()
