"""Use cases of the tip form: the categories it offers, and sending a filled-in form as a tip
with its photos — or saying, field by field, why it cannot be sent.

The form is read into the same `TipSubmit` the JSON route takes and goes through the same
`submit_tip`, so a tip from the form is checked, stored and published like any other.
"""

import dataclasses
import uuid
from datetime import date, datetime, time
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import geo
from shared.dates import FIRST_YEAR, LAST_YEAR
from shared.problems import NotFound, PayloadTooLarge, Problem
from tips.categories import service as categories
from tips.categories.models import Category
from tips.categories.schemas import Question
from tips.config import LimitSettings
from tips.domain import DIVERT_NUMBER, LOCAL_TIME, Divert, QuestionKind, Source, utcnow
from tips.errors import CategoryNotFound, EmergencyDivert, InvalidField, TipIdTaken
from tips.photos import service as photos
from tips.public.schemas import FormError, PhotoFile, TipForm
from tips.tips import service as intake
from tips.tips.schemas import TipSubmit

# Where a problem of the JSON schema or of `submit_tip` shows on the form.
FIELDS = {
    "/description": ("description", "description"),
    "/address": ("address", "address"),
    "/locality": ("locality", "locality"),
    "/location": ("coordinates", "coordinates"),
    "/occurred_at": ("when", "future"),
    "/contact": ("email", "email"),
    "/contact/email": ("email", "email"),
    "/contact/phone": ("phone", "phone"),
}


# The order of the fields on the page, which the list of errors follows.
ORDER = (
    "form",
    "category",
    "description",
    "place",
    "locality",
    "address",
    "coordinates",
    "when",
    "answer.",
    "photos",
    "email",
    "phone",
    "consent",
)


class FormNotFound(NotFound):
    title = "No tip form for this municipality"


class FormRefused(Exception):
    """The form cannot be sent as it is: it is shown again with the errors, with `status`."""

    def __init__(self, form: TipForm, errors: list[FormError], status: int = 422) -> None:
        super().__init__(", ".join(e.kind for e in errors))
        self.form = form
        self.errors = errors
        self.status = status


async def form_categories(session: AsyncSession, municipality: str) -> list[Category]:
    """The categories the form offers; a municipality without any has no form (404)."""
    found = await categories.list_categories(session, municipality)
    if not found:
        raise FormNotFound(f"Municipality {municipality} takes no tips here.")
    return found


def chosen(offered: list[Category], code: str) -> Category | None:
    return next((c for c in offered if c.code == code), None)


def questions(category: Category) -> list[Question]:
    return [Question.model_validate(q) for q in category.questions]


async def send_tip(
    session: AsyncSession,
    municipality: str,
    category: Category,
    form: TipForm,
    files: list[PhotoFile],
    limits: LimitSettings,
    lang: str,
) -> intake.Submitted:
    """Stores the tip with its photos, or nothing.

    Raises `EmergencyDivert` first of all when the answers say it is urgent, so the resident
    is told to call at once; then `FormRefused` with every error of the form.
    """
    body = read_tip(form, category, limits, lang)
    # Photos are checked before anything is stored, so a refused one leaves nothing behind.
    clean = await _clean_photos(form, files, limits)
    try:
        submitted = await _submit(session, municipality, body)
    except TipIdTaken as problem:
        # Sent before with other details (edited after going back): a new id sends it anew.
        fresh = dataclasses.replace(form, id=str(uuid.uuid4()))
        raise FormRefused(fresh, [FormError("form", "id_taken")], problem.status) from problem
    except CategoryNotFound as problem:
        raise FormRefused(form, [FormError("category", "category_gone")]) from problem
    except InvalidField as problem:
        raise FormRefused(form, [_field_error(_pointer(problem), category, lang)]) from problem
    if submitted.created:
        await photos.store_photos(session, submitted.tip, clean)
    return submitted


async def _submit(session: AsyncSession, municipality: str, body: TipSubmit) -> intake.Submitted:
    origin = intake.Origin(Source.PUBLIC)
    try:
        async with session.begin_nested():
            return await intake.submit_tip(session, municipality, body, origin)
    except IntegrityError:
        # The same form sent twice at once (a double click): this request's insert waited for
        # the other's, which stored the tip; tried again, it finds that tip as a retry.
        return await intake.submit_tip(session, municipality, body, origin)


def read_tip(form: TipForm, category: Category, limits: LimitSettings, lang: str) -> TipSubmit:
    """The tip the form describes, or `FormRefused` with all that is wrong with it."""
    answers = _answers(form, category)
    divert = _urgent(category, answers)
    if divert is not None:
        raise EmergencyDivert(intake.divert_message(divert, lang), DIVERT_NUMBER[divert])
    location, errors = _location(form)
    occurred, when_errors = _occurred(form)
    errors += when_errors + _missing_answers(category, answers, lang)
    if form.description == "" or len(form.description) > limits.description_chars:
        errors.append(FormError("description", "description", {"n": limits.description_chars}))
    if (form.email or form.phone) and not form.consent:
        errors.append(FormError("consent", "consent"))
    fields: dict[str, Any] = {
        "id": form.id,
        "category": category.code,
        "description": form.description,
        "location": location,
        "address": form.address or None,
        "locality": form.locality or None,
        "occurred_at": occurred,
        "answers": answers,
        "contact": _contact(form),
        "language": lang,
    }
    try:
        body = TipSubmit.model_validate(fields)
    except ValidationError as invalid:
        errors += [_schema_error(e["loc"], category, limits, lang) for e in invalid.errors()]
        raise FormRefused(form, _first_per_field(errors)) from invalid
    if errors:
        raise FormRefused(form, _first_per_field(errors))
    return body


def _answers(form: TipForm, category: Category) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in questions(category):
        given = form.answers.get(question.code, [])
        if given:
            multiple = question.kind is QuestionKind.MULTIPLE
            answers[question.code] = given if multiple else given[0]
    return answers


def _urgent(category: Category, answers: dict[str, Any]) -> Divert | None:
    """What the category or a chosen answer diverts to, whatever else is wrong with the form."""
    if category.divert:
        return Divert(category.divert)
    diverts = set()
    for question in questions(category):
        given = answers.get(question.code, [])
        chosen = {given} if isinstance(given, str) else set(given)
        diverts |= {o.divert for o in question.options if o.key in chosen and o.divert}
    if Divert.EMERGENCY in diverts:
        return Divert.EMERGENCY
    return Divert.POLICE if diverts else None


def _location(form: TipForm) -> tuple[dict[str, Any] | None, list[FormError]]:
    if not (form.latitude or form.longitude):
        missing = not (form.address or form.locality)
        return None, [FormError("place", "place")] if missing else []
    try:
        lat = float(form.latitude.replace(",", "."))
        lon = float(form.longitude.replace(",", "."))
        point = geo.Point(type="Point", coordinates=(lon, lat))
    except (ValueError, ValidationError):
        return None, [FormError("coordinates", "coordinates")]
    return point.model_dump(), []


def _occurred(form: TipForm) -> tuple[datetime | None, list[FormError]]:
    if not (form.occurred_date or form.occurred_time):
        return None, []
    try:
        day = date.fromisoformat(form.occurred_date)
        at = time.fromisoformat(form.occurred_time.replace(".", ":"))
    except ValueError:
        return None, [FormError("when", "when")]
    # Outside these years a moment may not even convert to UTC.
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return None, [FormError("when", "when")]
    moment = datetime.combine(day, at.replace(tzinfo=None), tzinfo=LOCAL_TIME)
    if moment > utcnow():
        return None, [FormError("when", "future")]
    return moment, []


def _missing_answers(category: Category, answers: dict[str, Any], lang: str) -> list[FormError]:
    return [
        FormError(f"answer.{q.code}", "answer_missing", {"question": label(q, lang)})
        for q in questions(category)
        if q.required and q.code not in answers
    ]


def _contact(form: TipForm) -> dict[str, Any] | None:
    # Checked as given even before the consent is ticked, so every error shows at once; the
    # missing consent alone keeps the tip from being sent.
    if not (form.email or form.phone):
        return None
    return {"email": form.email or None, "phone": form.phone or None, "consent": True}


def _schema_error(
    loc: tuple[int | str, ...], category: Category, limits: LimitSettings, lang: str
) -> FormError:
    pointer = "".join(f"/{part}" for part in loc)
    error = _field_error(pointer, category, lang)
    if error.name == "description":
        return dataclasses.replace(error, params={"n": limits.description_chars})
    return error


def _field_error(pointer: str, category: Category, lang: str) -> FormError:
    for known in (pointer, "/".join(pointer.split("/")[:3]), "/".join(pointer.split("/")[:2])):
        if known in FIELDS:
            return FormError(*FIELDS[known])
    if pointer.startswith("/answers/"):
        code = pointer.removeprefix("/answers/").split("/")[0]
        asked = {q.code: q for q in questions(category)}
        if code in asked:
            return FormError(
                f"answer.{code}", "answer_invalid", {"question": label(asked[code], lang)}
            )
    if pointer == "":  # the whole tip: it has no place
        return FormError("place", "place")
    return FormError("form", "field")


def _pointer(problem: Problem) -> str:
    errors = problem.extensions.get("errors") or [{}]
    pointer: str = errors[0].get("pointer", "")
    return pointer


def _first_per_field(errors: list[FormError]) -> list[FormError]:
    """One error per field, in the order of the fields on the page."""
    seen: dict[str, FormError] = {}
    for error in errors:
        seen.setdefault(error.name, error)
    return sorted(seen.values(), key=_position)


def _position(error: FormError) -> int:
    return next((i for i, f in enumerate(ORDER) if error.name.startswith(f)), len(ORDER))


async def _clean_photos(
    form: TipForm, files: list[PhotoFile], limits: LimitSettings
) -> list[photos.CleanPhoto]:
    try:
        return await photos.clean_photos([(f.content, f.content_type) for f in files], limits)
    except (PayloadTooLarge, InvalidField) as problem:
        raise FormRefused(form, [_photo_error(problem, files, limits)], problem.status) from problem


def _photo_error(problem: Problem, files: list[PhotoFile], limits: LimitSettings) -> FormError:
    pointer = _pointer(problem)
    if pointer == "/photos":
        return FormError("photos", "photos_many", {"n": limits.photos_per_tip})
    name = files[int(pointer.rsplit("/", 1)[1])].name
    if isinstance(problem, PayloadTooLarge):
        return FormError("photos", "photo_large", {"name": name, "mb": megabytes(limits)})
    return FormError("photos", "photo_unreadable", {"name": name})


def megabytes(limits: LimitSettings) -> str:
    return f"{limits.photo_bytes / 1_000_000:g}"


def label(question: Question, lang: str) -> str:
    return (question.label_en if lang == "en" else None) or question.label_sv
