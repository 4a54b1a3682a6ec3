"""Public routes that are not a resident's: the CAP feed, contacts' opt-out, SMS reports."""

import uuid
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from notify import links, pages
from notify.config import SettingsDep
from notify.directory import service as stakeholders
from notify.domain import Language, utcnow
from notify.errors import CapAlertNotFound
from notify.feeds import service as cap
from notify.feeds.models import CapAlert
from notify.messaging import ledger
from notify.messaging import metrics as messaging_metrics
from notify.ratelimit import FeedRateLimited, RateLimited, ReportRateLimited
from shared.db import SessionDep
from shared.problems import (
    BadRequest,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    problem_responses,
)

router = APIRouter(tags=["public feeds"])

Token = Annotated[str, Path(pattern=links.TOKEN_PATTERN, description="The token from the link.")]
Municipality = Annotated[str, Path(pattern=r"^[0-9]{4}$", examples=["0683"])]
XML: dict[int | str, dict[str, Any]] = {
    200: {"content": {cap.ATOM_TYPE: {}}, "description": "An Atom feed."}
}
PAGE: dict[int | str, dict[str, Any]] = {
    **problem_responses(BadRequest, InvalidInput, TooManyRequests, PayloadTooLarge),
    200: {"content": {"text/html": {}}, "description": "A page for the contact."},
    404: {"content": {"text/html": {}}, "description": "The link is not (or no longer) valid."},
}


@router.get(
    "/cap/{municipality_code}/alerts.atom",
    response_class=Response,
    summary="The municipality's CAP alerts as an Atom feed",
    responses={**XML, **problem_responses(InvalidInput, TooManyRequests)},
)
async def cap_feed(
    municipality_code: Municipality, session: SessionDep, settings: SettingsDep, _: FeedRateLimited
) -> Response:
    """Published action plans as CAP 1.2 alerts (Alert, Update, Cancel), newest first."""
    alerts = await cap.latest(session, municipality_code)
    base = settings.public.base_url.rstrip("/")
    return Response(cap.feed(municipality_code, alerts, base, utcnow()), media_type=cap.ATOM_TYPE)


@router.get(
    "/cap/alerts/{alert_id}",
    response_class=Response,
    summary="One CAP alert",
    responses={
        200: {"content": {cap.MEDIA_TYPE: {}}, "description": "A CAP 1.2 alert."},
        **problem_responses(CapAlertNotFound, InvalidInput, TooManyRequests),
    },
)
async def cap_alert(alert_id: uuid.UUID, session: SessionDep, _: FeedRateLimited) -> Response:
    """One alert as an OASIS CAP 1.2 XML document."""
    alert = await session.get(CapAlert, alert_id)
    if alert is None:
        raise CapAlertNotFound(f"There is no CAP alert {alert_id}.")
    return Response(alert.document, media_type=cap.MEDIA_TYPE)


@router.get(
    "/contacts/opt-out/{token}",
    response_class=HTMLResponse,
    summary="Show a contact's opt-out page",
    responses=PAGE,
)
async def opt_out_page(
    token: Token,
    settings: SettingsDep,
    _: RateLimited,
    lang: Annotated[Language | None, Query()] = None,
) -> HTMLResponse:
    """The link in every message to an organisation's contact, with the button that stops them."""
    secret = settings.public.link_secret.get_secret_value()
    if links.read(secret, links.Purpose.CONTACT_OPT_OUT, token) is None:
        return pages.page("unknown", lang or "sv")
    url = f"{settings.public.base_url.rstrip('/')}/contacts/opt-out/{token}"
    # The button posts to the page's own address, relative (see subscriptions.routes._action).
    stop = pages.Action("unsubscribe", token)
    return pages.page("manage", lang or "sv", actions=(stop,), url=url)


@router.post(
    "/contacts/opt-out/{token}",
    response_class=HTMLResponse,
    summary="Stop messages to a contact with one click",
    responses=PAGE,
)
async def opt_out(
    token: Token,
    session: SessionDep,
    settings: SettingsDep,
    _: RateLimited,
    lang: Annotated[Language | None, Query()] = None,
) -> HTMLResponse:
    """One POST stops every message to the contact (RFC 8058 one-click unsubscribe)."""
    secret = settings.public.link_secret.get_secret_value()
    contact_id = links.read(secret, links.Purpose.CONTACT_OPT_OUT, token)
    contact = await stakeholders.opt_out(session, contact_id) if contact_id else None
    return pages.page("opted_out" if contact else "unknown", lang or "sv")


@router.post(
    "/sms/delivery-reports/{token}",
    status_code=204,
    summary="Receive an SMS delivery report",
    responses=problem_responses(
        BadRequest, NotFound, InvalidInput, PayloadTooLarge, TooManyRequests
    ),
)
async def delivery_report(
    token: Token,
    session: SessionDep,
    request: Request,
    settings: SettingsDep,
    _: ReportRateLimited,
) -> Response:
    """46elks' `whendelivered` callback: form fields `id`, `status` and `delivered`."""
    secret = settings.public.link_secret.get_secret_value()
    notification_id = links.read(secret, links.Purpose.DELIVERY_REPORT, token)
    if notification_id is None:
        raise NotFound("The report is for no notification of ours.")
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    state = form.get("status", [""])[0]
    # "sent" is news of no consequence: the SMS stays `sending` until delivered or failed.
    if state in ("delivered", "failed"):
        delivered = state == "delivered"
        if await ledger.settle_sms(session, notification_id, delivered=delivered):
            # Counted in this API's /metrics, beside the worker's counts of the same series; a
            # report sent again settles nothing and counts nothing.
            messaging_metrics.count_sms_report(delivered)
    return Response(status_code=204)
