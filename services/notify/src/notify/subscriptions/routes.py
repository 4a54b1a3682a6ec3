"""The routes residents use without a token: subscribe, confirm, unsubscribe, erase.

Every link in a message opens a page; only the POST from the page's button changes anything,
because mail systems' link scanners open (GET) every link they see.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from notify import links, pages
from notify.config import Settings, SettingsDep
from notify.domain import TOPIC_LABELS, Language, Topic
from notify.ratelimit import RateLimited
from notify.subscriptions import service as subscriptions
from notify.subscriptions.models import Subscription
from notify.subscriptions.schemas import (
    LocalityRead,
    SubscriptionAccepted,
    SubscriptionCreate,
    TopicLabel,
    TopicRead,
)
from notify.subscriptions.service import Confirmation
from shared import localities, municipalities
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


def _url(settings: Settings, name: str, token: str) -> str:
    return settings.public.base_url.rstrip("/") + f"/subscriptions/{name}/{token}"


def _action(kind: str, token: str) -> pages.Action:
    """A button's form posts to a sibling of the page's own address: relative, so the pages'
    `form-action 'self'` holds under whatever address and path prefix they are served."""
    route = {"everything": "unsubscribe-everything"}.get(kind, kind)
    return pages.Action(kind, f"../{route}/{token}")


def _place_names(rows: list[Subscription], lang: str) -> tuple[str, ...]:
    return tuple(
        pages.place_name(
            s.place_kind,
            s.locality,
            s.radius_m,
            municipalities.name(s.municipality_code),
            lang,
        )
        for s in rows
    )


@router.post(
    "/subscriptions",
    status_code=202,
    response_model=SubscriptionAccepted,
    summary="Subscribe to news about a place",
    responses=LIMITED,
)
async def subscribe(
    body: SubscriptionCreate, session: SessionDep, settings: SettingsDep, _: RateLimited
) -> SubscriptionAccepted:
    """Start a subscription; it counts once the link sent to the resident is followed. The
    same person and place again is the same subscription (the answer does not say whether one
    existed)."""
    await subscriptions.subscribe(session, body, settings.dispatcher, settings.public)
    detail = {
        Language.SV: "Följ länken vi skickade för att bekräfta prenumerationen.",
        Language.EN: "Follow the link we sent to confirm the subscription.",
    }[body.language]
    return SubscriptionAccepted(detail=detail)


@router.get(
    "/subscriptions/topics",
    response_model=list[TopicRead],
    summary="List the topics residents can choose",
)
async def list_topics() -> list[TopicRead]:
    """What a subscription's `topics` may name, with their names in Swedish and English."""
    return [TopicRead(topic=t, label=TopicLabel(**TOPIC_LABELS[t])) for t in Topic]


@router.get(
    "/subscriptions/confirm/{token}",
    response_class=HTMLResponse,
    summary="Show the confirmation page",
    responses=PAGE,
)
async def confirm_page(
    token: Token, session: SessionDep, settings: SettingsDep, _: RateLimited, lang: Lang = None
) -> HTMLResponse:
    """The double opt-in link opens a page; its button confirms."""
    public = settings.public
    subscription = await subscriptions.peek(session, public, links.Purpose.CONFIRM, token)
    state = subscriptions.confirmation_state(subscription, public)
    language = lang or (subscription.language if subscription else "sv")
    url = _url(settings, "confirm", token)
    if state != Confirmation.CONFIRMED or subscription is None:
        return pages.page(state.value, language, url=url)
    places = pages.Places("this", _place_names([subscription], language))
    actions = (_action("confirm", token),)
    return pages.page("confirm", language, actions=actions, url=url, places=places)


@router.post(
    "/subscriptions/confirm/{token}",
    response_class=HTMLResponse,
    summary="Confirm a subscription",
    responses=PAGE,
)
async def confirm(
    token: Token, session: SessionDep, settings: SettingsDep, _: RateLimited, lang: Lang = None
) -> HTMLResponse:
    """The subscription starts counting from here."""
    outcome, subscription = await subscriptions.confirm(session, settings.public, token)
    language = lang or (subscription.language if subscription else "sv")
    return pages.page(outcome.value, language)


@router.get(
    "/subscriptions/unsubscribe/{token}",
    response_class=HTMLResponse,
    summary="Show the unsubscribe page",
    responses=PAGE,
)
async def unsubscribe_page(
    token: Token, session: SessionDep, settings: SettingsDep, _: RateLimited, lang: Lang = None
) -> HTMLResponse:
    """The link in every message: a page that says what the subscription is about, with the
    buttons that stop it, stop everything, or erase all."""
    public = settings.public
    subscription = await subscriptions.peek(session, public, links.Purpose.MANAGE, token)
    if subscription is None:
        return pages.page("unknown", lang or "sv")
    language = lang or subscription.language
    kinds = ("unsubscribe", "everything", "erase")
    return pages.page(
        "manage",
        language,
        actions=tuple(_action(kind, token) for kind in kinds),
        url=_url(settings, "unsubscribe", token),
        places=pages.Places("this", _place_names([subscription], language)),
    )


@router.post(
    "/subscriptions/unsubscribe/{token}",
    response_class=HTMLResponse,
    summary="Unsubscribe with one click",
    responses=PAGE,
)
async def unsubscribe(
    token: Token, session: SessionDep, settings: SettingsDep, _: RateLimited, lang: Lang = None
) -> HTMLResponse:
    """One POST stops every message of this subscription (RFC 8058 one-click unsubscribe);
    the page lists the person's subscriptions that remain and offers to stop them too."""
    subscription = await subscriptions.unsubscribe(session, settings.public, token)
    if subscription is None:
        return pages.page("unknown", lang or "sv")
    language = lang or subscription.language
    remaining = await subscriptions.others(session, subscription)
    kinds = ("everything", "erase")
    return pages.page(
        "unsubscribed",
        language,
        actions=tuple(_action(kind, token) for kind in kinds),
        places=pages.Places("remaining", _place_names(remaining, language)),
    )


@router.post(
    "/subscriptions/unsubscribe-everything/{token}",
    response_class=HTMLResponse,
    summary="Stop every subscription of mine",
    responses=PAGE,
)
async def unsubscribe_everything(
    token: Token, session: SessionDep, settings: SettingsDep, _: RateLimited, lang: Lang = None
) -> HTMLResponse:
    """Stops every message to the email address and phone number the link was sent to: every
    subscription, and messages to them as an organisation's contact."""
    public = settings.public
    subscription = await subscriptions.unsubscribe_everything(session, public, token)
    if subscription is None:
        return pages.page("unknown", lang or "sv")
    erase = (_action("erase", token),)
    return pages.page("unsubscribed_everything", lang or subscription.language, actions=erase)


@router.get(
    "/subscriptions/erase/{token}",
    response_class=HTMLResponse,
    summary="Show the erasure page",
    responses=PAGE,
)
async def erase_page(
    token: Token, session: SessionDep, settings: SettingsDep, _: RateLimited, lang: Lang = None
) -> HTMLResponse:
    """A page whose button erases; opening the link erases nothing."""
    public = settings.public
    subscription = await subscriptions.peek(session, public, links.Purpose.MANAGE, token)
    if subscription is None:
        return pages.page("unknown", lang or "sv")
    language = lang or subscription.language
    actions = (_action("erase", token),)
    return pages.page("erase", language, actions=actions, url=_url(settings, "erase", token))


@router.post(
    "/subscriptions/erase/{token}",
    response_class=HTMLResponse,
    summary="Erase all of my details",
    responses=PAGE,
)
async def erase(
    token: Token, session: SessionDep, settings: SettingsDep, _: RateLimited, lang: Lang = None
) -> HTMLResponse:
    """Erase every subscription of the person and their address from the delivery log."""
    language = await subscriptions.erase(session, settings.public, token)
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
