"""The tip form's pages: plain HTML5 that works without JavaScript and fits a phone's screen.

Built as strings, every value from the database or the request escaped. The one inline style
is registered with the app: the only style the pages' Content-Security-Policy allows. Links
are relative, so the pages work under whatever path a proxy serves them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape

from fastapi.responses import HTMLResponse

from shared import localities
from tips.categories.models import Category
from tips.categories.schemas import Question
from tips.config import LimitSettings
from tips.domain import DIVERT_NUMBER, LOCAL_TIME, QuestionKind, utcnow
from tips.public.schemas import FormError, TipForm
from tips.public.service import label, megabytes, questions
from tips.public.texts import (
    DIVERT_WORDS,
    ERRORS,
    OTHER_PROBLEM,
    PROBLEMS,
    place_name,
    wait,
    words,
)
from tips.tips.service import CONSENT_TEXT, RECEIVED_MESSAGE

STYLE = (
    "*{box-sizing:border-box}"
    "body{margin:0;font-family:system-ui,sans-serif;font-size:1.0625rem;line-height:1.5;"
    "color:#1b1b1b;background:#fff}"
    "header,main{max-width:40rem;margin:0 auto;padding:0 1rem}main{padding-bottom:2rem}"
    "h1{font-size:1.6rem;line-height:1.25}h2{font-size:1.2rem}a{color:#0b5394}"
    ".urgent{margin:0 0 .5rem;padding:.6rem .8rem;background:#fdecea;"
    "border-left:.35rem solid #b00020;font-weight:bold}"
    ".lang{margin:.25rem 0;text-align:right}"
    "label,legend{display:block;font-weight:bold;margin:1rem 0 .25rem}"
    "legend{padding:0}"
    "fieldset{min-width:0;margin:1.25rem 0;padding:.25rem .9rem .9rem;border:1px solid #8a8a8a;"
    "border-radius:.3rem}"
    "input,select,textarea,button{font:inherit;max-width:100%}"
    "input:not([type=radio]):not([type=checkbox]),select,textarea{display:block;width:100%;"
    "padding:.5rem;border:1px solid #555;border-radius:.25rem;background:#fff}"
    "[aria-invalid=true]{border:2px solid #b00020}"
    ".choice{display:flex;gap:.6rem;align-items:flex-start;margin:.5rem 0}"
    ".choice input{flex:none;width:1.3rem;height:1.3rem;margin:.15rem 0 0}"
    ".choice label{font-weight:normal;margin:0}"
    ".sub{margin-left:1.9rem}"
    ".hint{margin:.1rem 0 .4rem;color:#505050}"
    ".req{font-weight:normal;color:#505050}"
    ".error{margin:.2rem 0;color:#b00020;font-weight:bold}"
    ".errors{margin:1rem 0;padding:.25rem 1rem;border:.25rem solid #b00020}"
    ".notice{margin:1rem 0;padding:.5rem .9rem;background:#eaf1fb;border-left:.35rem solid #0b5394}"
    ".call a{display:inline-block;padding:.7rem 1.4rem;background:#b00020;color:#fff;"
    "font-size:1.4rem;font-weight:bold;text-decoration:none;border-radius:.3rem}"
    ".ref{overflow-wrap:anywhere;font-family:monospace}"
    "button{margin:1.5rem 0;padding:.75rem 1.5rem;border:0;border-radius:.3rem;"
    "background:#0b5394;color:#fff;font-weight:bold;cursor:pointer}"
)


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


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _other(lang: str) -> str:
    return "en" if lang == "sv" else "sv"


def _page(
    lang: str,
    title: str,
    body: str,
    other_url: str | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    other = _other(lang)
    switch = (
        f'<p class="lang"><a href="{_e(other_url)}" lang="{other}" hreflang="{other}">'
        f"{_e(words('other_language', lang))}</a></p>"
        if other_url
        else ""
    )
    page = (
        f'<!DOCTYPE html>\n<html lang="{_e(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body><header>"
        f'<p class="urgent">{_e(words("urgent", lang))} <a href="tel:112">112</a></p>{switch}'
        f"</header><main>{body}</main></body></html>\n"
    )
    return HTMLResponse(page, status_code=status, headers=headers)


def _marker(lang: str, required: bool) -> str:
    return f' <span class="req">{_e(words("required" if required else "optional", lang))}</span>'


def _message(error: FormError, lang: str) -> str:
    return ERRORS[error.kind][lang].format(**error.params)


def _summary(errors: list[FormError], anchors: Mapping[str, str], lang: str) -> str:
    """The errors at the top, each a link to its field."""
    if not errors:
        return ""
    items = "".join(
        f'<li><a href="#{_e(anchors.get(e.name, e.name))}">{_e(_message(e, lang))}</a></li>'
        for e in errors
    )
    return (
        '<div class="errors" role="alert" aria-labelledby="errors-title">'
        f'<h2 id="errors-title">{_e(words("errors", lang))}</h2><ul>{items}</ul></div>'
    )


def _title(text: str, errors: list[FormError], lang: str) -> str:
    return f"{words('error_prefix', lang)}{text}" if errors else text


def _described(*ids: str | None) -> str:
    present = " ".join(_e(i) for i in ids if i)
    return f' aria-describedby="{present}"' if present else ""


def _error_line(error: FormError | None, element: str, lang: str) -> str:
    if error is None:
        return ""
    return f'<p class="error" id="{_e(element)}-error">{_e(_message(error, lang))}</p>'


def _hint(element: str, text: str) -> str:
    return f'<p class="hint" id="{_e(element)}-hint">{_e(text)}</p>'


def _invalid(error: FormError | None) -> str:
    return ' aria-invalid="true"' if error else ""


# --- step one: choose a category ----------------------------------------------------------------


def choose_page(
    municipality: str, lang: str, offered: list[Category], unchosen: bool = False
) -> HTMLResponse:
    """Step one: the categories, grouped under their parents; `unchosen` lists the error."""
    errors = [FormError("category", "category")] if unchosen else []
    first = f"category-{offered[0].code}" if offered else "category"
    error = errors[0] if errors else None
    body = (
        f"<h1>{_e(words('title', lang))}</h1>"
        + _summary(errors, {"category": first}, lang)
        + f"<p>{_e(words('intro', lang, place=place_name(municipality, lang)))}</p>"
        + '<form method="get" action="new">'
        + f'<input type="hidden" name="lang" value="{_e(lang)}">'
        + f"<fieldset{_described('category-error' if error else None)}>"
        + f"<legend>{_e(words('choose_category', lang))}{_marker(lang, True)}</legend>"
        + _error_line(error, "category", lang)
        + _category_tree(offered, lang)
        + f'</fieldset><button type="submit">{_e(words("next", lang))}</button></form>'
    )
    title = _title(words("title", lang), errors, lang)
    other = f"new?lang={_other(lang)}"
    return _page(lang, title, body, other, status=422 if errors else 200)


def _category_tree(offered: list[Category], lang: str) -> str:
    codes = {c.code for c in offered}
    parts = []
    for top in (c for c in offered if c.parent_code not in codes):
        parts.append(_category_radio(top, lang))
        children = [c for c in offered if c.parent_code == top.code]
        if children:
            parts.append(
                f'<div class="sub" role="group" aria-labelledby="category-{_e(top.code)}-label">'
                + "".join(_category_radio(c, lang) for c in children)
                + "</div>"
            )
    return "".join(parts)


def _category_radio(category: Category, lang: str) -> str:
    element = f"category-{category.code}"
    name = _localised(category.name_sv, category.name_en, lang)
    about = _localised(category.description_sv, category.description_en, lang)
    hint = _hint(element, about) if about else ""
    return (
        f'<div class="choice"><input type="radio" id="{_e(element)}" name="category" '
        f'value="{_e(category.code)}" required{_described(f"{element}-hint" if about else None)}>'
        f'<div><label for="{_e(element)}" id="{_e(element)}-label">{_e(name)}</label>{hint}'
        "</div></div>"
    )


def _localised(swedish: str | None, english: str | None, lang: str) -> str | None:
    return (english if lang == "en" else None) or swedish


# --- step two: the form ---------------------------------------------------------------------------


def form_page(view: FormView, status: int = 200) -> HTMLResponse:
    """Step two: the whole form for the chosen category, with the values and errors given."""
    lang, category = view.lang, view.category
    name = _localised(category.name_sv, category.name_en, lang)
    notice = _localised(category.notice_sv, category.notice_en, lang)
    body = (
        f"<h1>{_e(words('title', lang))}</h1>"
        + _summary(view.errors, _anchors(view), lang)
        + f"<p>{_e(words('intro', lang, place=place_name(view.municipality, lang)))}</p>"
        + f"<p>{_e(words('chosen', lang))} <strong>{_e(name)}</strong> "
        + f'<a id="change-category" href="new?lang={_e(lang)}">{_e(words("change", lang))}</a></p>'
        + (f'<div class="notice" role="note"><p>{_e(notice)}</p></div>' if notice else "")
        + f'<form method="post" action="new?lang={_e(lang)}" enctype="multipart/form-data">'
        + f'<input type="hidden" name="id" value="{_e(view.form.id)}">'
        + f'<input type="hidden" name="category" value="{_e(category.code)}">'
        + _description(view)
        + _place(view)
        + _when(view)
        + "".join(_question(view, q) for q in questions(category))
        + _photos(view)
        + _contact(view)
        + f'<button type="submit" id="send">{_e(words("send", lang))}</button></form>'
    )
    title = _title(words("title", lang), view.errors, lang)
    other = f"new?lang={_other(lang)}&category={category.code}"
    return _page(lang, title, body, other, status=status)


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
        f'<label for="description">{_e(words("description", lang))}{_marker(lang, True)}</label>'
        + _hint("description", words("description_hint", lang, n=n))
        + _error_line(error, "description", lang)
        + f'<textarea id="description" name="description" rows="6" maxlength="{n}" required'
        + _described("description-hint", "description-error" if error else None)
        + f"{_invalid(error)}>{_e(view.form.description)}</textarea>"
    )


def _text_input(view: FormView, name: str, kind: str, text: str, extra: str = "") -> str:
    error = view.error(name)
    value = getattr(view.form, name)
    return (
        f'<label for="{name}">{_e(text)}</label>'
        + _error_line(error, name, view.lang)
        + f'<input type="{kind}" id="{name}" name="{name}" value="{_e(value)}"{extra}'
        + _described(f"{name}-error" if error else None)
        + f"{_invalid(error)}>"
    )


def _place(view: FormView) -> str:
    lang, error = view.lang, view.error("place")
    coordinates = view.error("coordinates")
    return (
        f"<fieldset{_described('place-hint', 'place-error' if error else None)}>"
        + f"<legend>{_e(words('place', lang))}{_marker(lang, True)}</legend>"
        + _hint("place", words("place_hint", lang))
        + _error_line(error, "place", lang)
        + _locality(view)
        + f'<label for="address">{_e(words("address", lang))}</label>'
        + _hint("address", words("address_hint", lang))
        + _error_line(view.error("address"), "address", lang)
        + '<input type="text" id="address" name="address" maxlength="200" '
        + f'value="{_e(view.form.address)}"'
        + _described("address-hint", "address-error" if view.error("address") else None)
        + f"{_invalid(view.error('address'))}>"
        + _error_line(coordinates, "coordinates", lang)
        + _coordinate(view, "latitude", coordinates)
        + _coordinate(view, "longitude", coordinates)
        + _hint("coordinates", words("coordinates_hint", lang))
        + "</fieldset>"
    )


def _locality(view: FormView) -> str:
    names = [x.name for x in localities.of_municipality(view.municipality)]
    if not names:
        return ""
    error = view.error("locality")
    options = "".join(
        f'<option value="{_e(n)}"{" selected" if n == view.form.locality else ""}>{_e(n)}</option>'
        for n in names
    )
    return (
        f'<label for="locality">{_e(words("locality", view.lang))}</label>'
        + _error_line(error, "locality", view.lang)
        + f'<select id="locality" name="locality"{_described("locality-error" if error else None)}'
        + f'{_invalid(error)}><option value="">{_e(words("no_locality", view.lang))}</option>'
        + f"{options}</select>"
    )


def _coordinate(view: FormView, name: str, error: FormError | None) -> str:
    value = getattr(view.form, name)
    return (
        f'<label for="{name}">{_e(words(name, view.lang))}</label>'
        + f'<input type="text" id="{name}" name="{name}" inputmode="decimal" maxlength="20" '
        + f'autocomplete="off" value="{_e(value)}"'
        + _described("coordinates-hint", "coordinates-error" if error else None)
        + f"{_invalid(error)}>"
    )


def _when(view: FormView) -> str:
    lang, error = view.lang, view.error("when")
    today = utcnow().astimezone(LOCAL_TIME).date().isoformat()
    invalid = _invalid(error)
    described = _described("when-error" if error else None)
    return (
        f"<fieldset{described}><legend>{_e(words('when', lang))}{_marker(lang, False)}</legend>"
        + _error_line(error, "when", lang)
        + f'<label for="occurred_date">{_e(words("date", lang))}</label>'
        + f'<input type="date" id="occurred_date" name="occurred_date" max="{today}" '
        + f'value="{_e(view.form.occurred_date)}"{invalid}>'
        + f'<label for="occurred_time">{_e(words("time", lang))}</label>'
        + '<input type="time" id="occurred_time" name="occurred_time" '
        + f'value="{_e(view.form.occurred_time)}"{invalid}></fieldset>'
    )


def _question(view: FormView, question: Question) -> str:
    lang = view.lang
    name, element = f"answer.{question.code}", f"answer-{question.code}"
    error = view.error(name)
    given = view.form.answers.get(question.code, [])
    text = label(question, lang)
    if question.kind is QuestionKind.TEXT:
        return (
            f'<label for="{_e(element)}">{_e(text)}{_marker(lang, question.required)}</label>'
            + _error_line(error, element, lang)
            + f'<textarea id="{_e(element)}" name="{_e(name)}" rows="3" maxlength="1000"'
            + f"{' required' if question.required else ''}"
            + f"{_described(f'{element}-error' if error else None)}{_invalid(error)}>"
            + f"{_e(given[0] if given else '')}</textarea>"
        )
    kind = "radio" if question.kind is QuestionKind.SINGLE else "checkbox"
    # A required radio group can say so itself; checkboxes cannot without demanding them all.
    required = " required" if question.required and kind == "radio" else ""
    options = "".join(
        f'<div class="choice"><input type="{kind}" id="{_e(element)}-{_e(o.key)}" '
        f'name="{_e(name)}" value="{_e(o.key)}"{" checked" if o.key in given else ""}{required}>'
        f'<label for="{_e(element)}-{_e(o.key)}">'
        f"{_e(_localised(o.name_sv, o.name_en, lang))}</label></div>"
        for o in question.options
    )
    return (
        f"<fieldset{_described(f'{element}-error' if error else None)}>"
        f"<legend>{_e(text)}{_marker(lang, question.required)}</legend>"
        f"{_error_line(error, element, lang)}{options}</fieldset>"
    )


def _photos(view: FormView) -> str:
    lang, error, limits = view.lang, view.error("photos"), view.limits
    hint = words("photos_hint", lang, n=limits.photos_per_tip, mb=megabytes(limits))
    again = f'<p class="hint">{_e(words("photos_again", lang))}</p>' if view.errors else ""
    return (
        f'<label for="photos">{_e(words("photos", lang))}{_marker(lang, False)}</label>'
        + _hint("photos", hint)
        + again
        + _error_line(error, "photos", lang)
        + '<input type="file" id="photos" name="photos" multiple '
        + 'accept="image/jpeg,image/png,image/webp"'
        + _described("photos-hint", "photos-error" if error else None)
        + f"{_invalid(error)}>"
    )


EMAIL = ' autocomplete="email" maxlength="254"'
PHONE = ' autocomplete="tel" maxlength="20"'


def _contact(view: FormView) -> str:
    lang, error = view.lang, view.error("consent")
    checked = " checked" if view.form.consent else ""
    return (
        f"<fieldset{_described('contact-hint')}>"
        + f"<legend>{_e(words('contact', lang))}{_marker(lang, False)}</legend>"
        + _hint("contact", words("contact_hint", lang))
        + _text_input(view, "email", "email", words("email", lang), EMAIL)
        + _text_input(view, "phone", "tel", words("phone", lang), PHONE)
        + _error_line(error, "consent", lang)
        + '<div class="choice"><input type="checkbox" id="consent" name="consent" value="yes"'
        + f"{checked}{_described('consent-hint', 'consent-error' if error else None)}"
        + f'{_invalid(error)}><label for="consent">{_e(CONSENT_TEXT[lang])}</label></div>'
        + _hint("consent", words("consent_hint", lang))
        + "</fieldset>"
    )


# --- after the form ------------------------------------------------------------------------------


def divert_page(lang: str, number: str, back_url: str, sent: bool) -> HTMLResponse:
    """Call 112 (or 114 14) instead; `sent` says the form was sent and nothing was stored.

    A sent form answers 422, as the JSON route does: the tip was not taken. Reached by
    choosing a category that is always urgent, the page is the answer asked for: 200.
    """
    divert = next(d for d, n in DIVERT_NUMBER.items() if n == number)
    call = words("call", lang, number=number)
    body = (
        f"<h1>{_e(call)}</h1>"
        f'<p class="call"><a href="tel:{_e(number.replace(" ", ""))}">{_e(call)}</a></p>'
        f"<p>{_e(DIVERT_WORDS[divert][lang])}</p>"
        + (f"<p><strong>{_e(words('not_sent', lang))}</strong></p>" if sent else "")
        + f'<p><a href="{_e(back_url)}">{_e(words("back_to_form", lang))}</a></p>'
    )
    return _page(lang, call, body, status=422 if sent else 200)


def received_page(lang: str, reference: str | None) -> HTMLResponse:
    reference_line = (
        f'<p>{_e(words("reference", lang))} <span class="ref">{_e(reference)}</span></p>'
        if reference
        else ""
    )
    body = (
        f"<h1>{_e(words('thanks', lang))}</h1><p>{_e(RECEIVED_MESSAGE[lang])}</p>"
        f'{reference_line}<p><a href="new?lang={_e(lang)}">{_e(words("another", lang))}</a></p>'
    )
    other = f"received?lang={_other(lang)}" + (f"&ref={reference}" if reference else "")
    return _page(lang, words("thanks", lang), body, other)


def missing_page(municipality: str, lang: str) -> HTMLResponse:
    body = (
        f"<h1>{_e(words('missing', lang))}</h1>"
        f"<p>{_e(words('missing_body', lang, code=municipality))}</p>"
    )
    return _page(lang, words("missing", lang), body, status=404)


def problem_page(lang: str, status: int, headers: Mapping[str, str] | None) -> HTMLResponse:
    """A request the form cannot answer, as a page: too many requests, no such page, …"""
    title, text = PROBLEMS.get(status, OTHER_PROBLEM)[lang]
    retry = (headers or {}).get("Retry-After", "")
    later = f"<p>{_e(wait(int(retry), lang))}</p>" if retry.isdigit() else ""
    body = (
        f"<h1>{_e(title)}</h1><p>{_e(text)}</p>{later}"
        f'<p><a href="new?lang={_e(lang)}">{_e(words("start_again", lang))}</a></p>'
    )
    return _page(lang, title, body, status=status, headers=headers)
