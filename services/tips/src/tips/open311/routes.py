"""The Open311 GeoReport v2 endpoint (http://wiki.open311.org/GeoReport_v2), in XML and JSON.

Every failure on these routes is answered in the spec's error format, in the format the path
asked for. `tokens/{token}` is not offered: every service is `realtime`, so a new request's
`service_request_id` is in the answer to its POST.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response

from shared.db import SessionDep
from tips.config import SettingsDep
from tips.open311 import formats, service
from tips.open311.formats import both_formats, documented
from tips.open311.forms import REQUEST_FORM_SCHEMA, RequestForm
from tips.open311.queries import RequestQuery
from tips.open311.schemas import (
    Discovery,
    EndParam,
    JurisdictionParam,
    RequestCreated,
    RequestIdsParam,
    RetryKey,
    Service,
    ServiceCodesParam,
    ServiceDefinition,
    ServiceRequest,
    StartParam,
    StatusParam,
)
from tips.ratelimit import ReadRateLimited, SubmissionRateLimited

router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=formats.Open311Route)

FormatPath = Annotated[
    str,
    Path(
        description="`xml` (the spec's own) or `json`; any other is 404.",
        examples=["json"],
        json_schema_extra={"enum": ["xml", "json"]},
    ),
]
READ = documented(400, 404, 429)


def request_query(
    jurisdiction_id: JurisdictionParam,
    service_request_id: RequestIdsParam = None,
    service_code: ServiceCodesParam = None,
    start_date: StartParam = None,
    end_date: EndParam = None,
    status: StatusParam = None,
) -> RequestQuery:
    return RequestQuery(
        jurisdiction_id, service_request_id, service_code, start_date, end_date, status
    )


@router.get(
    "/discovery.{format}",
    response_model=Discovery,
    summary="Discover the endpoint",
    responses={**both_formats("The endpoint, its formats and its contact."), **READ},
)
async def get_discovery(format: FormatPath, settings: SettingsDep, _: ReadRateLimited) -> Response:
    """Where the GeoReport v2 endpoint is, the formats it answers in, and whom to ask for an
    api_key."""
    fmt = formats.requested(format)
    return formats.render(fmt, "discovery", service.discovery(settings))


@router.get(
    "/services.{format}",
    response_model=list[Service],
    summary="List the services (tip categories)",
    responses={**both_formats("The municipality's categories in use."), **READ},
)
async def list_services(
    format: FormatPath,
    session: SessionDep,
    _: ReadRateLimited,
    jurisdiction_id: JurisdictionParam,
) -> Response:
    """The municipality's tip categories as services, each parent followed by its
    subcategories (`group` names the parent)."""
    fmt = formats.requested(format)
    services = await service.list_services(session, jurisdiction_id)
    return formats.render(fmt, "services", services)


@router.get(
    "/services/{service_code}.{format}",
    response_model=ServiceDefinition,
    summary="Define a service: its questions as attributes",
    responses={**both_formats("The category's questions."), **READ},
)
async def get_service_definition(
    service_code: str,
    format: FormatPath,
    session: SessionDep,
    _: ReadRateLimited,
    jurisdiction_id: JurisdictionParam,
) -> Response:
    """The category's questions: free text (`text`), one choice (`singlevaluelist`) or several
    (`multivaluelist`)."""
    fmt = formats.requested(format)
    definition = await service.service_definition(session, jurisdiction_id, service_code)
    return formats.render(fmt, "service_definition", definition)


@router.post(
    "/requests.{format}",
    response_model=list[RequestCreated],
    summary="Send a request (a tip)",
    responses={**both_formats("The request was filed."), **documented(400, 403, 404, 429)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": REQUEST_FORM_SCHEMA}},
        }
    },
)
async def post_request(
    format: FormatPath,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: SubmissionRateLimited,
    retry_key: RetryKey = None,
) -> Response:
    """Files a tip, form-encoded as the spec sends it, with the key this client was given.

    The tip goes through the same intake as a resident's on the form: the same checks, the
    same rate limits, the same event. A request whose answers say that someone is in danger now
    is not filed; the error says to call 112. The answer is the spec's one-element list, with
    the request's id at once (no token) and a notice, with HTTP 200: the status the spec's
    drafts document for this call and that clients, FixMyStreet's among them, test for.

    - A place: `lat` and `long`, or `address_string`, or `address_id`.
    - `attribute[code]=key` answers a question; `attribute[code][]=key`, once per key, a
      multivaluelist.
    - `description`: at most 4,000 characters; HTML is refused, not stripped. Without one, the
      tip says it came without a description.
    - `email` and `phone` become the tip's contact, so that the tipster hears back; the spec
      has no consent field, so the client vouches for its user's consent, and the stored
      consent names the client. `first_name`, `last_name`, `device_id`, `account_id` and
      `media_url` are not stored (a media URL is not fetched either).
    - `Idempotency-Key` makes a retry safe: the same key and fields file nothing twice and
      answer the same `service_request_id`.
    """
    fmt = formats.requested(format)
    form = RequestForm.read(await formats.read_form(request))
    created = await service.submit_request(session, settings.open311, form, retry_key)
    return formats.render(fmt, "service_requests", [created])


@router.get(
    "/requests.{format}",
    response_model=list[ServiceRequest],
    summary="List requests (tips anyone may see)",
    responses={**both_formats("The requests, newest first."), **READ},
)
async def list_requests(
    format: FormatPath,
    session: SessionDep,
    _: ReadRateLimited,
    query: Annotated[RequestQuery, Depends(request_query)],
) -> Response:
    """The municipality's tips, newest first: by default of the last 90 days, at most 1,000.

    A tip restricted to the police never appears. Of the others, only what anyone may know:
    the description as staff moderated it, the public note as `status_notes`, the centre of
    the 250 m grid square as `lat`/`long`, times as the start of their three-hour block; never
    the tipster's own words, contact, address or photos.
    """
    fmt = formats.requested(format)
    requests = await service.list_requests(session, query)
    return formats.render(fmt, "service_requests", requests)


@router.get(
    "/requests/{service_request_id}.{format}",
    response_model=list[ServiceRequest],
    summary="Get one request",
    responses={**both_formats("The request, as a one-element list."), **READ},
)
async def get_request(
    service_request_id: str,
    format: FormatPath,
    session: SessionDep,
    _: ReadRateLimited,
    jurisdiction_id: JurisdictionParam,
) -> Response:
    """One tip, as `GET requests` shows it; a restricted tip is not found."""
    fmt = formats.requested(format)
    found = await service.get_request(session, jurisdiction_id, service_request_id)
    return formats.render(fmt, "service_requests", found)


@router.get("/tokens/{token}.{format}", include_in_schema=False)
async def get_token(token: str, format: str) -> Response:
    raise HTTPException(
        404, "Tokens are not offered: a request's service_request_id is in the answer to its POST."
    )


@router.api_route(
    "/{path:path}",
    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
)
async def no_such_resource(path: str, request: Request) -> Response:
    allowed = formats.methods_at(router, request.url.path)
    if allowed:
        raise HTTPException(405, "Method not allowed.", headers={"Allow": ", ".join(allowed)})
    raise HTTPException(404, f"No Open311 resource {path[:80]!r}.")
