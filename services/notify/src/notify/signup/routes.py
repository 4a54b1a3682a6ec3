"""The subscribe form residents open from a municipality's or a plan's page: no token, no
script. Its POST makes the same subscription as `POST /subscriptions`, double opt-in, for the
municipality in the address and no other."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from notify.config import SettingsDep
from notify.domain import Language, Topic
from notify.ratelimit import RateLimited
from notify.signup import pages
from notify.signup.form import FormRefused, SignupForm
from notify.signup.service import subscribe_from_form
from shared import municipalities
from shared.db import SessionDep
from shared.problems import InvalidInput, PayloadTooLarge, TooManyRequests, problem_responses

router = APIRouter(tags=["residents"])

Municipality = Annotated[
    str, Path(pattern=r"^[0-9]{4}$", description="The municipality's code.", examples=["0683"])
]
Lang = Annotated[Language, Query(description="The page's language.")]
# The form's fields, a dozen with every topic chosen; more is not a form of ours.
MAX_FIELDS = 40


def _html(description: str) -> dict[str, Any]:
    return {"content": {"text/html": {}}, "description": description}


REFUSED = problem_responses(TooManyRequests, PayloadTooLarge)
NO_FORM: dict[int | str, dict[str, Any]] = {404: _html("No subscribe form for this municipality.")}
FORM_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "description": "The form's fields; a locality, or else a point by latitude "
                    "and longitude; one `topic` field per chosen topic.",
                    "properties": {
                        "locality": {"type": "string", "examples": ["Forsheda"]},
                        "latitude": {"type": "string", "examples": ["57,1619"]},
                        "longitude": {"type": "string", "examples": ["13,8241"]},
                        "radius_m": {"type": "string", "examples": ["300"]},
                        "topic": {
                            "type": "array",
                            "items": {"type": "string", "enum": [t.value for t in Topic]},
                        },
                        "channel": {"type": "string", "enum": ["email", "sms"]},
                        "email": {"type": "string", "examples": ["anna@example.se"]},
                        "phone": {"type": "string", "examples": ["070-123 45 67"]},
                        "language": {"type": "string", "enum": ["sv", "en"]},
                    },
                }
            }
        },
    }
}


@router.get(
    "/subscribe/{municipality_code}",
    response_class=HTMLResponse,
    summary="The subscribe form, as a page",
    responses={
        **REFUSED,
        **problem_responses(InvalidInput),
        200: _html("The form."),
        **NO_FORM,
    },
)
async def subscribe_form(
    municipality_code: Municipality,
    _: RateLimited,
    lang: Lang = Language.SV,
    locality: Annotated[str | None, Query(max_length=200, examples=["Forsheda"])] = None,
) -> HTMLResponse:
    """A form to subscribe to news of the municipality's safety work; `locality` chooses one of
    its localities beforehand."""
    if municipalities.name(municipality_code) is None:
        return pages.no_municipality_page(lang)
    form = SignupForm.blank(municipality_code, lang, locality)
    return pages.render(pages.FormView(municipality_code, lang, form))


@router.post(
    "/subscribe/{municipality_code}",
    response_class=HTMLResponse,
    summary="Send the subscribe form",
    openapi_extra=FORM_BODY,
    responses={
        **REFUSED,
        200: _html("Sent: the page says to look for the confirmation link."),
        **NO_FORM,
        422: {
            "content": {"text/html": {}, "application/problem+json": {}},
            "description": "The form again, with what is wrong (a page); or a malformed address "
            "(a problem).",
        },
    },
)
async def send_subscribe_form(
    municipality_code: Municipality,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: RateLimited,
    lang: Lang = Language.SV,
) -> HTMLResponse:
    """Starts the subscription and sends the link that confirms it; nothing is sent otherwise
    until it is followed. A form with errors comes back with them, and changes nothing."""
    if municipalities.name(municipality_code) is None:
        return pages.no_municipality_page(lang)
    async with request.form(max_files=0, max_fields=MAX_FIELDS) as fields:
        form = SignupForm.read(fields)
    try:
        await subscribe_from_form(session, municipality_code, form, settings)
    except FormRefused as refused:
        view = pages.FormView(municipality_code, lang, refused.form, refused.errors)
        return pages.render(view, status=422)
    return pages.check_page(lang, by_phone=form.channel == "sms")
