"""Step two of the tip form: the whole form for the chosen category, with what the resident
typed and what is wrong with it."""

from dataclasses import dataclass, field

from fastapi.responses import HTMLResponse

from shared import localities
from tips.categories.models import Category
from tips.categories.schemas import Question
from tips.config import LimitSettings
from tips.domain import LOCAL_TIME, QuestionKind, utcnow
from tips.public.markup import (
    described_by,
    error_line,
    error_summary,
    esc,
    hint_line,
    html_page,
    invalid_mark,
    localised,
    marker,
    other_lang,
    page_title,
)
from tips.public.schemas import FormError, TipForm
from tips.public.service import label, megabytes, questions
from tips.public.texts import place_name, words
from tips.tips.service import CONSENT_TEXT


@dataclass(frozen=True)
class FormView:
    """Step two of the form: the chosen category's questions, and all the rest."""

    municipality: str
    lang: str
    category: Category
    form: TipForm
    limits: LimitSettings
    errors: list[FormError] = field(default_factory=list)

    def error(self, name: str) -> FormError | None:
        return next((e for e in self.errors if e.name == name), None)


def render(view: FormView, status: int = 200) -> HTMLResponse:
    """Step two: the whole form for the chosen category, with the values and errors given."""
    lang, category = view.lang, view.category
    name = localised(category.name_sv, category.name_en, lang)
    notice = localised(category.notice_sv, category.notice_en, lang)
    body = (
        f"<h1>{esc(words('title', lang))}</h1>"
        + error_summary(view.errors, _anchors(view), lang)
        + f"<p>{esc(words('intro', lang, place=place_name(view.municipality, lang)))}</p>"
        + f"<p>{esc(words('chosen', lang))} <strong>{esc(name)}</strong> "
        + f'<a id="change-category" href="new?lang={esc(lang)}">'
        + f"{esc(words('change', lang))}</a></p>"
        + (f'<div class="notice" role="note"><p>{esc(notice)}</p></div>' if notice else "")
        + f'<form method="post" action="new?lang={esc(lang)}" enctype="multipart/form-data">'
        + f'<input type="hidden" name="id" value="{esc(view.form.id)}">'
        + f'<input type="hidden" name="category" value="{esc(category.code)}">'
        + _description(view)
        + _place(view)
        + _when(view)
        + "".join(_question(view, q) for q in questions(category))
        + _photos(view)
        + _contact(view)
        + f'<button type="submit" id="send">{esc(words("send", lang))}</button></form>'
    )
    title = page_title(words("title", lang), view.errors, lang)
    other = f"new?lang={other_lang(lang)}&category={category.code}"
    return html_page(lang, title, body, other, status=status)


def _anchors(view: FormView) -> dict[str, str]:
    """Which element each error's link leads to."""
    has_localities = bool(localities.of_municipality(view.municipality))
    anchors = {
        "place": "locality" if has_localities else "address",
        "coordinates": "latitude",
        "when": "occurred_date",
        "form": "send",
        "category": "change-category",
    }
    for q in questions(view.category):
        first = f"-{q.options[0].key}" if q.options else ""
        anchors[f"answer.{q.code}"] = f"answer-{q.code}{first}"
    return anchors


def _description(view: FormView) -> str:
    lang, error = view.lang, view.error("description")
    n = view.limits.description_chars
    return (
        f'<label for="description">{esc(words("description", lang))}{marker(lang, True)}</label>'
        + hint_line("description", words("description_hint", lang, n=n))
        + error_line(error, "description", lang)
        + f'<textarea id="description" name="description" rows="6" maxlength="{n}" required'
        + described_by("description-hint", "description-error" if error else None)
        + f"{invalid_mark(error)}>{esc(view.form.description)}</textarea>"
    )


def _text_input(view: FormView, name: str, kind: str, text: str, extra: str = "") -> str:
    error = view.error(name)
    value = getattr(view.form, name)
    return (
        f'<label for="{name}">{esc(text)}</label>'
        + error_line(error, name, view.lang)
        + f'<input type="{kind}" id="{name}" name="{name}" value="{esc(value)}"{extra}'
        + described_by(f"{name}-error" if error else None)
        + f"{invalid_mark(error)}>"
    )


def _place(view: FormView) -> str:
    lang, error = view.lang, view.error("place")
    coordinates = view.error("coordinates")
    return (
        f"<fieldset{described_by('place-hint', 'place-error' if error else None)}>"
        + f"<legend>{esc(words('place', lang))}{marker(lang, True)}</legend>"
        + hint_line("place", words("place_hint", lang))
        + error_line(error, "place", lang)
        + _locality(view)
        + f'<label for="address">{esc(words("address", lang))}</label>'
        + hint_line("address", words("address_hint", lang))
        + error_line(view.error("address"), "address", lang)
        + '<input type="text" id="address" name="address" maxlength="200" '
        + f'value="{esc(view.form.address)}"'
        + described_by("address-hint", "address-error" if view.error("address") else None)
        + f"{invalid_mark(view.error('address'))}>"
        + error_line(coordinates, "coordinates", lang)
        + _coordinate(view, "latitude", coordinates)
        + _coordinate(view, "longitude", coordinates)
        + hint_line("coordinates", words("coordinates_hint", lang))
        + "</fieldset>"
    )


def _locality(view: FormView) -> str:
    names = [x.name for x in localities.of_municipality(view.municipality)]
    if not names:
        return ""
    error = view.error("locality")
    options = "".join(
        f'<option value="{esc(n)}"{" selected" if n == view.form.locality else ""}>'
        f"{esc(n)}</option>"
        for n in names
    )
    return (
        f'<label for="locality">{esc(words("locality", view.lang))}</label>'
        + error_line(error, "locality", view.lang)
        + '<select id="locality" name="locality"'
        + described_by("locality-error" if error else None)
        + f'{invalid_mark(error)}><option value="">{esc(words("no_locality", view.lang))}</option>'
        + f"{options}</select>"
    )


def _coordinate(view: FormView, name: str, error: FormError | None) -> str:
    value = getattr(view.form, name)
    return (
        f'<label for="{name}">{esc(words(name, view.lang))}</label>'
        + f'<input type="text" id="{name}" name="{name}" inputmode="decimal" maxlength="20" '
        + f'autocomplete="off" value="{esc(value)}"'
        + described_by("coordinates-hint", "coordinates-error" if error else None)
        + f"{invalid_mark(error)}>"
    )


def _when(view: FormView) -> str:
    lang, error = view.lang, view.error("when")
    today = utcnow().astimezone(LOCAL_TIME).date().isoformat()
    invalid = invalid_mark(error)
    described = described_by("when-error" if error else None)
    return (
        f"<fieldset{described}><legend>{esc(words('when', lang))}{marker(lang, False)}</legend>"
        + error_line(error, "when", lang)
        + f'<label for="occurred_date">{esc(words("date", lang))}</label>'
        + f'<input type="date" id="occurred_date" name="occurred_date" max="{today}" '
        + f'value="{esc(view.form.occurred_date)}"{invalid}>'
        + f'<label for="occurred_time">{esc(words("time", lang))}</label>'
        + '<input type="time" id="occurred_time" name="occurred_time" '
        + f'value="{esc(view.form.occurred_time)}"{invalid}></fieldset>'
    )


def _question(view: FormView, question: Question) -> str:
    lang = view.lang
    name, element = f"answer.{question.code}", f"answer-{question.code}"
    error = view.error(name)
    given = view.form.answers.get(question.code, [])
    text = label(question, lang)
    if question.kind is QuestionKind.TEXT:
        return (
            f'<label for="{esc(element)}">{esc(text)}{marker(lang, question.required)}</label>'
            + error_line(error, element, lang)
            + f'<textarea id="{esc(element)}" name="{esc(name)}" rows="3" maxlength="1000"'
            + f"{' required' if question.required else ''}"
            + f"{described_by(f'{element}-error' if error else None)}{invalid_mark(error)}>"
            + f"{esc(given[0] if given else '')}</textarea>"
        )
    kind = "radio" if question.kind is QuestionKind.SINGLE else "checkbox"
    # A required radio group can say so itself; checkboxes cannot without demanding them all.
    required = " required" if question.required and kind == "radio" else ""
    options = "".join(
        f'<div class="choice"><input type="{kind}" id="{esc(element)}-{esc(o.key)}" '
        f'name="{esc(name)}" value="{esc(o.key)}"{" checked" if o.key in given else ""}{required}>'
        f'<label for="{esc(element)}-{esc(o.key)}">'
        f"{esc(localised(o.name_sv, o.name_en, lang))}</label></div>"
        for o in question.options
    )
    return (
        f"<fieldset{described_by(f'{element}-error' if error else None)}>"
        f"<legend>{esc(text)}{marker(lang, question.required)}</legend>"
        f"{error_line(error, element, lang)}{options}</fieldset>"
    )


def _photos(view: FormView) -> str:
    lang, error, limits = view.lang, view.error("photos"), view.limits
    hint = words("photos_hint", lang, n=limits.photos_per_tip, mb=megabytes(limits))
    again = f'<p class="hint">{esc(words("photos_again", lang))}</p>' if view.errors else ""
    return (
        f'<label for="photos">{esc(words("photos", lang))}{marker(lang, False)}</label>'
        + hint_line("photos", hint)
        + again
        + error_line(error, "photos", lang)
        + '<input type="file" id="photos" name="photos" multiple '
        + 'accept="image/jpeg,image/png,image/webp"'
        + described_by("photos-hint", "photos-error" if error else None)
        + f"{invalid_mark(error)}>"
    )


EMAIL = ' autocomplete="email" maxlength="254"'
PHONE = ' autocomplete="tel" maxlength="20"'


def _contact(view: FormView) -> str:
    lang, error = view.lang, view.error("consent")
    checked = " checked" if view.form.consent else ""
    return (
        f"<fieldset{described_by('contact-hint')}>"
        + f"<legend>{esc(words('contact', lang))}{marker(lang, False)}</legend>"
        + hint_line("contact", words("contact_hint", lang))
        + _text_input(view, "email", "email", words("email", lang), EMAIL)
        + _text_input(view, "phone", "tel", words("phone", lang), PHONE)
        + error_line(error, "consent", lang)
        + '<div class="choice"><input type="checkbox" id="consent" name="consent" value="yes"'
        + f"{checked}{described_by('consent-hint', 'consent-error' if error else None)}"
        + f'{invalid_mark(error)}><label for="consent">{esc(CONSENT_TEXT[lang])}</label></div>'
        + hint_line("consent", words("consent_hint", lang))
        + "</fieldset>"
    )
