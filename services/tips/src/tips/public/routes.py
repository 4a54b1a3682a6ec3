"""The tip form residents fill in: pages that work without JavaScript, in Swedish or English.

Without a script a category's questions cannot appear once it is chosen, so the form has two
steps: step one chooses the category, step two is the whole form for it. Sending it stores the
tip with its photos and leads to a receipt. Every route is rate-limited, and answers with a page
even when it refuses: too many requests, no such form, a malformed address.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.db import SessionDep
from shared.problems import Problem
from tips.config import SettingsDep
from tips.domain import CATEGORY_CODE, DIVERT_NUMBER, Divert
from tips.errors import EmergencyDivert
from tips.fields import Language, MunicipalityPath
from tips.public import form_page, pages
from tips.public import service as public
from tips.public.schemas import TipForm, read_photos
from tips.ratelimit import ReadRateLimited, SubmissionRateLimited

# The form's dozen fields and the answers to up to 20 questions of up to 20 choices each.
MAX_FIELDS = 500
# A few more files than a tip may have, so that one too many is told apart in the form.
MAX_FILES = 10
# A text field's most (the description is 4,000 characters of up to four bytes).
MAX_FIELD_BYTES = 64 * 1024


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang")
    return lang if lang in ("sv", "en") else "sv"


class PageRoute(APIRoute):
    """A route that answers with pages: its problems, and the requests its parameters refuse,
    become pages too, with the problem's status and headers (Retry-After)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_as_page(request: Request) -> Response:
            try:
                return await handle(request)
            except public.FormNotFound:
                return pages.missing_page(request.path_params["municipality"], _lang(request))
            except Problem as problem:
                return pages.problem_page(_lang(request), problem.status, problem.headers)
            except RequestValidationError:
                return pages.problem_page(_lang(request), 422, None)
            except StarletteHTTPException as refused:
                return pages.problem_page(_lang(request), refused.status_code, refused.headers)

        return handle_as_page


router = APIRouter(tags=["form"], route_class=PageRoute)


def _pages(**statuses: str) -> dict[int | str, dict[str, Any]]:
    return {
        int(status.removeprefix("s")): {"content": {"text/html": {}}, "description": text}
        for status, text in statuses.items()
    }


REFUSED = {"s404": "No tip form for this municipality.", "s429": "Too many requests: try later."}
FORM_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "description": "The form's fields; each question is answered by fields "
                    "named `answer.<question code>` (one per chosen option).",
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "category": {"type": "string"},
                        "description": {"type": "string"},
                        "locality": {"type": "string"},
                        "address": {"type": "string"},
                        "latitude": {"type": "string", "examples": ["57,1661"]},
                        "longitude": {"type": "string", "examples": ["13,8262"]},
                        "occurred_date": {"type": "string", "format": "date"},
                        "occurred_time": {"type": "string", "examples": ["21:30"]},
                        "email": {"type": "string"},
                        "phone": {"type": "string"},
                        "consent": {"type": "string", "enum": ["yes"]},
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                    "required": ["id", "category", "description"],
                }
            }
        },
    }
}


@router.get(
    "/public/{municipality}/tips/new",
    response_class=HTMLResponse,
    summary="The tip form, as a page",
    responses=_pages(s200="Step one or two of the form.", s422="A malformed address.", **REFUSED),
)
async def get_tip_form(
    municipality: MunicipalityPath,
    session: SessionDep,
    settings: SettingsDep,
    _: ReadRateLimited,
    lang: Language = "sv",
    category: Annotated[str | None, Query(pattern=CATEGORY_CODE)] = None,
) -> HTMLResponse:
    """Step one lists the categories; with `category`, step two is the form for it."""
    offered = await public.form_categories(session, municipality)
    if category is None:
        return pages.choose_page(municipality, lang, offered)
    found = public.chosen(offered, category)
    if found is None:
        return pages.choose_page(municipality, lang, offered, unchosen=True)
    if found.divert:
        number = DIVERT_NUMBER[Divert(found.divert)]
        return pages.divert_page(lang, number, f"new?lang={lang}", sent=False)
    form = TipForm.blank(found.code)
    return form_page.render(form_page.FormView(municipality, lang, found, form, settings.limits))


@router.post(
    "/public/{municipality}/tips/new",
    response_class=HTMLResponse,
    status_code=303,
    summary="Send the tip form",
    openapi_extra=FORM_BODY,
    responses={
        **_pages(
            s303="Stored: on to the receipt.",
            s400="A body that is not a form.",
            s409="Sent before with other details: the form again, with a new id.",
            s422="The form again with its errors, or the page saying to call 112 or 114 14.",
            **REFUSED,
        ),
        413: {
            "content": {"text/html": {}, "application/problem+json": {}},
            "description": "A photo too large: the form again, with the error; or a body "
            "larger than all the photos a tip may have (a problem).",
        },
    },
)
async def send_tip_form(
    municipality: MunicipalityPath,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: SubmissionRateLimited,
    lang: Language = "sv",
) -> Response:
    """Stores the tip with its photos and leads to the receipt; nothing about the sender is
    kept. A form with errors comes back with them and with what was typed; an urgent one is
    not stored, and the page says whom to call."""
    limits = {"max_files": MAX_FILES, "max_fields": MAX_FIELDS, "max_part_size": MAX_FIELD_BYTES}
    async with request.form(**limits) as fields:
        form = TipForm.read(fields)
        files = await read_photos(fields)
    offered = await public.form_categories(session, municipality)
    category = public.chosen(offered, form.category)
    if category is None:
        return pages.choose_page(municipality, lang, offered, unchosen=True)
    try:
        submitted = await public.send_tip(
            session, municipality, category, form, files, settings.limits, lang
        )
    except EmergencyDivert as urgent:
        back = f"new?lang={lang}&category={category.code}"
        return pages.divert_page(lang, urgent.extensions["call"], back, sent=True)
    except public.FormRefused as refused:
        view = form_page.FormView(
            municipality, lang, category, refused.form, settings.limits, refused.errors
        )
        return form_page.render(view, refused.status)
    return RedirectResponse(f"received?lang={lang}&ref={submitted.tip.id}", status_code=303)


@router.get(
    "/public/{municipality}/tips/received",
    response_class=HTMLResponse,
    summary="The receipt after sending the form, as a page",
    responses=_pages(s200="Thanks, and the tip's reference number.", s422="A malformed address."),
)
async def tip_received(
    municipality: MunicipalityPath,
    _: ReadRateLimited,
    lang: Language = "sv",
    ref: Annotated[str | None, Query(pattern=r"^[0-9a-f-]{36}$")] = None,
) -> HTMLResponse:
    """Thanks the resident and shows the reference number of the tip."""
    return pages.received_page(lang, ref)
