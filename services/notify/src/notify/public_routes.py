"""The routes residents use without a token: subscribe, confirm, unsubscribe, erase."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from notify import links, localities, pages, subscriptions
from notify.config import Settings
from notify.domain import Language
from notify.ratelimit import RateLimited
from notify.schemas import LocalityRead, SubscriptionAccepted, SubscriptionCreate
from notify.subscriptions import Confirmation
from shared.db import SessionDep
from shared.problems import (
    BadRequest,
    InvalidInput,
    PayloadTooLarge,
    TooManyRequests,
    problem_responses,
)

router = APIRouter(tags=["residents"])

Token = Annotated[str, Path(pattern=links.TOKEN_PATTERN, description="The token from the link.")]
Lang = Annotated[Language | None, Query(description="The page's language; sv by default.")]
LIMITED = problem_responses(BadRequest, TooManyRequests, PayloadTooLarge, InvalidInput)
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "A page for the resident."},
    404: {"content": {"text/html": {}}, "description": "The link is not (or no longer) valid."},
}
PAGE = {**LIMITED, **HTML}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _url(request: Request, name: str, token: str) -> str:
    return _settings(request).public.base_url.rstrip("/") + f"/subscriptions/{name}/{token}"


@router.post(
    "/subscriptions",
    status_code=202,
    response_model=SubscriptionAccepted,
    summary="Subscribe to news about a place",
    responses=LIMITED,
)
async def subscribe(
    body: SubscriptionCreate, session: SessionDep, request: Request, _: RateLimited
) -> SubscriptionAccepted:
    """Start a subscription; it counts once the link sent to the resident is followed."""
    await subscriptions.subscribe(session, body, _settings(request).dispatcher)
    detail = {
        Language.SV: "Följ länken vi skickade för att bekräfta prenumerationen.",
        Language.EN: "Follow the link we sent to confirm the subscription.",
    }[body.language]
    return SubscriptionAccepted(detail=detail)


@router.get(
    "/subscriptions/confirm/{token}",
    response_class=HTMLResponse,
    summary="Confirm a subscription",
    responses=PAGE,
)
async def confirm(
    token: Token, session: SessionDep, request: Request, _: RateLimited, lang: Lang = None
) -> HTMLResponse:
    """The double opt-in link: the subscription starts counting from here."""
    outcome, subscription = await subscriptions.confirm(session, _settings(request).public, token)
    language = lang or (subscription.language if subscription else "sv")
    name = "confirmed" if outcome == Confirmation.CONFIRMED else outcome.value
    return pages.page(name, language, url=_url(request, "confirm", token))


@router.get(
    "/subscriptions/unsubscribe/{token}",
    response_class=HTMLResponse,
    summary="Show the unsubscribe page",
    responses=PAGE,
)
async def unsubscribe_page(token: Token, request: Request, lang: Lang = None) -> HTMLResponse:
    """The link in every message: a page with the buttons that stop messages or erase all."""
    secret = _settings(request).public.link_secret.get_secret_value()
    if links.read(secret, links.Purpose.MANAGE, token) is None:
        return pages.page("unknown", lang or "sv")
    actions = (
        pages.Action("unsubscribe", _url(request, "unsubscribe", token)),
        pages.Action("erase", _url(request, "erase", token)),
    )
    url = _url(request, "unsubscribe", token)
    return pages.page("manage", lang or "sv", actions=actions, url=url)


@router.post(
    "/subscriptions/unsubscribe/{token}",
    response_class=HTMLResponse,
    summary="Unsubscribe with one click",
    responses=PAGE,
)
async def unsubscribe(
    token: Token, session: SessionDep, request: Request, _: RateLimited, lang: Lang = None
) -> HTMLResponse:
    """One POST stops every message of the subscription (RFC 8058 one-click unsubscribe)."""
    subscription = await subscriptions.unsubscribe(session, _settings(request).public, token)
    if subscription is None:
        return pages.page("unknown", lang or "sv")
    erase = (pages.Action("erase", _url(request, "erase", token)),)
    return pages.page("unsubscribed", lang or subscription.language, actions=erase)


@router.post(
    "/subscriptions/erase/{token}",
    response_class=HTMLResponse,
    summary="Erase all of my details",
    responses=PAGE,
)
async def erase(
    token: Token, session: SessionDep, request: Request, _: RateLimited, lang: Lang = None
) -> HTMLResponse:
    """Erase every subscription of the person and their address from the delivery log."""
    language = await subscriptions.erase(session, _settings(request).public, token)
    return pages.page("unknown" if language is None else "erased", lang or language or "sv")


@router.get(
    "/localities",
    response_model=list[LocalityRead],
    summary="List named localities",
    responses=problem_responses(InvalidInput),
)
async def list_localities(
    municipality: Annotated[str | None, Query(pattern=r"^[0-9]{4}$")] = None,
) -> list[LocalityRead]:
    """The localities a resident can subscribe to by name, with their areas."""
    return [
        LocalityRead(
            name=loc.name,
            municipality_code=loc.municipality_code,
            municipality=loc.municipality,
            area=loc.area,
        )
        for loc in localities.all_localities()
        if municipality in (None, loc.municipality_code)
    ]
