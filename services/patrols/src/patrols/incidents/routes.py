"""Routes of incidents: the police and the municipality report them, one by one or in batches;
staff read them; a reporter withdraws one sent by mistake."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from patrols.access import BODY_PROBLEMS, LISTED, Reader, Writer
from patrols.domain import CATEGORY_CODE, IncidentSource
from patrols.errors import IncidentIdTaken, IncidentNotFound
from patrols.fields import NO_NUL, MunicipalityPath
from patrols.incidents import queries
from patrols.incidents import service as incidents
from patrols.incidents.batches import CSV, CSV_COLUMNS, JSON
from patrols.incidents.schemas import (
    MAX_BATCH,
    BatchResult,
    IncidentCollection,
    IncidentCreate,
    IncidentFeature,
    incident_feature,
)
from shared import geo, location
from shared.dates import Day
from shared.db import SessionDep
from shared.http import MAX_BODY_BYTES
from shared.pagination import PageDep, next_offset
from shared.problems import Conflict, problem_responses

router = APIRouter(tags=["incidents"])

REPORT = {
    **LISTED,
    **BODY_PROBLEMS,
    **problem_responses(IncidentIdTaken),
    200: {"description": "Reported before with this id and content: nothing new was stored."},
}
ON_INCIDENT = {**LISTED, **problem_responses(IncidentNotFound)}
WITHDRAW = {**ON_INCIDENT, **problem_responses(Conflict)}

CSV_EXAMPLE = (
    ",".join(CSV_COLUMNS) + "\n"
    "RAR-2026-1187,police,vandalism,2026-11-28T21:30:00+01:00,13.8262,57.1661,Forsheda\n"
    "GK-553,municipality,graffiti,2026-11-29T08:10:00+01:00,,,Bredaryd\n"
)
BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            JSON: {
                "schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["incidents"],
                    "properties": {
                        # The most a batch may hold is said, not declared as maxItems: a list
                        # one longer would mostly be refused for its size (413), not its length.
                        "incidents": {
                            "type": "array",
                            "minItems": 1,
                            "description": f"At most {MAX_BATCH:,} incidents, in at most "
                            f"{MAX_BODY_BYTES // 1024} KiB.",
                            "items": {"$ref": "#/components/schemas/IncidentCreate"},
                        }
                    },
                }
            },
            CSV: {
                "schema": {
                    "type": "string",
                    "description": f"UTF-8, a header row naming the "
                    f"columns {', '.join(CSV_COLUMNS)} (in any order), then one incident "
                    "per row; `lon` and `lat` in decimal degrees, or both empty.",
                },
                "example": CSV_EXAMPLE,
            },
        },
    }
}

BATCH_DESCRIPTION = f"""Up to {MAX_BATCH:,} incidents, as `{JSON}` (`{{"incidents": [...]}}`)
or as `{CSV}`.

All or nothing: every row is checked first, and if any is wrong the answer (422) lists each
error with a JSON pointer and nothing is stored. In JSON, `#/incidents/17/category` is the
element at index 17 (counting from 0); in CSV, `#/rows/18/category` is the 18th row after the
header (counting from 1; blank lines are not rows), and a header that does not name the columns
is refused at `#/header`. A body that is not JSON, or not UTF-8 CSV, is a bad request (400).

An id that already names another incident, stored or earlier in the batch, refuses the batch
too (409; `conflicting` lists the ids). Incidents sent before with the same content count as
unchanged, so a batch can be sent again.

The body may be at most {MAX_BODY_BYTES // 1024} KiB (413 beyond): {MAX_BATCH:,} CSV rows of
usual length fit; JSON takes about twice the room, so send a large export as CSV, or in several
batches.
"""


@router.post(
    "/municipalities/{municipality}/incidents",
    status_code=201,
    response_model=IncidentFeature,
    summary="Report an incident",
    responses={**REPORT, **location.CREATED},
)
async def report_incident(
    municipality: MunicipalityPath,
    body: IncidentCreate,
    session: SessionDep,
    principal: Writer,
    request: Request,
) -> JSONResponse:
    """One incident, idempotent by its source and external id: sent again with the same
    content it answers 200 with the stored incident; other content under that id is refused."""
    reported = await incidents.report_incident(session, principal, municipality, body)
    feature = incident_feature(reported.incident)
    where = location.path_of(request, "get_incident", incident_id=reported.incident.id)
    status = 201 if reported.created else 200
    return JSONResponse(
        feature.model_dump(mode="json"), status_code=status, headers={location.HEADER: where}
    )


@router.post(
    "/municipalities/{municipality}/incidents/bulk",
    response_model=BatchResult,
    summary="Report a batch of incidents (JSON or CSV)",
    responses=REPORT | {200: {"description": "Every incident of the batch is stored, once."}},
    description=BATCH_DESCRIPTION,
    openapi_extra=BATCH_BODY,
)
async def report_batch(
    municipality: MunicipalityPath,
    request: Request,
    session: SessionDep,
    principal: Writer,
) -> BatchResult:
    """A batch of incidents, stored all together or not at all."""
    content_type = request.headers.get("content-type")
    body = await request.body()
    return await incidents.report_batch(session, principal, municipality, content_type, body)


def incident_filter(
    municipality: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{4}$", description="A municipality code the token covers."),
    ] = None,
    source: IncidentSource | None = None,
    category: Annotated[str | None, Query(pattern=CATEGORY_CODE)] = None,
    locality: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    occurred_from: Annotated[
        Day | None, Query(description="Happened on or after this day (Swedish time).")
    ] = None,
    occurred_to: Annotated[
        Day | None, Query(description="Happened on or before this day (Swedish time).")
    ] = None,
    bbox: Annotated[geo.BBox | None, Depends(geo.bbox_param)] = None,
) -> queries.IncidentFilter:
    return queries.IncidentFilter(
        municipality, source, category, locality, occurred_from, occurred_to, bbox
    )


@router.get(
    "/incidents", response_model=IncidentCollection, summary="List incidents", responses=LISTED
)
async def list_incidents(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    where: Annotated[queries.IncidentFilter, Depends(incident_filter)],
) -> IncidentCollection:
    """The token's municipalities' incidents from every source as GeoJSON, latest first."""
    rows, total = await queries.list_incidents(session, principal, where, page)
    return IncidentCollection(
        features=[incident_feature(row) for row in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
        next_offset=next_offset(page, total),
    )


@router.get(
    "/incidents/{incident_id}",
    response_model=IncidentFeature,
    summary="Get an incident",
    responses=ON_INCIDENT,
)
async def get_incident(
    incident_id: uuid.UUID, session: SessionDep, principal: Reader
) -> IncidentFeature:
    """One incident as a GeoJSON Feature."""
    return incident_feature(await incidents.visible_incident(session, principal, incident_id))


@router.delete(
    "/incidents/{incident_id}",
    status_code=204,
    summary="Withdraw an incident reported by mistake",
    responses=WITHDRAW,
)
async def withdraw_incident(
    incident_id: uuid.UUID, session: SessionDep, principal: Writer
) -> Response:
    """Deletes an incident the police or the municipality reported; one from a tip, a walk or
    a round cannot be withdrawn here (409)."""
    await incidents.withdraw_incident(session, principal, incident_id)
    return Response(status_code=204)
