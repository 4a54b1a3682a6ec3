"""The tip form's pages other than the form itself: step one (choose a category), the page
that says to call 112 or 114 14, the receipt, and the pages of requests the form cannot answer."""

from collections.abc import Mapping

from fastapi.responses import HTMLResponse

from tips.categories.models import Category
from tips.domain import DIVERT_NUMBER
from tips.public.markup import (
    described_by,
    error_line,
    error_summary,
    esc,
    hint_line,
    html_page,
    localised,
    marker,
    other_lang,
    page_title,
)
from tips.public.schemas import FormError
from tips.public.texts import DIVERT_WORDS, OTHER_PROBLEM, PROBLEMS, place_name, wait, words
from tips.tips.service import RECEIVED_MESSAGE

# --- step one: choose a category ----------------------------------------------------------------


def choose_page(
    municipality: str, lang: str, offered: list[Category], unchosen: bool = False
) -> HTMLResponse:
    """Step one: the categories, grouped under their parents; `unchosen` lists the error."""
    errors = [FormError("category", "category")] if unchosen else []
    first = f"category-{offered[0].code}" if offered else "category"
    error = errors[0] if errors else None
    body = (
        f"<h1>{esc(words('title', lang))}</h1>"
        + error_summary(errors, {"category": first}, lang)
        + f"<p>{esc(words('intro', lang, place=place_name(municipality, lang)))}</p>"
        + '<form method="get" action="new">'
        + f'<input type="hidden" name="lang" value="{esc(lang)}">'
        + f"<fieldset{described_by('category-error' if error else None)}>"
        + f"<legend>{esc(words('choose_category', lang))}{marker(lang, True)}</legend>"
        + error_line(error, "category", lang)
        + _category_tree(offered, lang)
        + f'</fieldset><button type="submit">{esc(words("next", lang))}</button></form>'
    )
    title = page_title(words("title", lang), errors, lang)
    other = f"new?lang={other_lang(lang)}"
    return html_page(lang, title, body, other, status=422 if errors else 200)


def _category_tree(offered: list[Category], lang: str) -> str:
    codes = {c.code for c in offered}
    parts = []
    for top in (c for c in offered if c.parent_code not in codes):
        parts.append(_category_radio(top, lang))
        children = [c for c in offered if c.parent_code == top.code]
        if children:
            parts.append(
                f'<div class="sub" role="group" aria-labelledby="category-{esc(top.code)}-label">'
                + "".join(_category_radio(c, lang) for c in children)
                + "</div>"
            )
    return "".join(parts)


def _category_radio(category: Category, lang: str) -> str:
    element = f"category-{category.code}"
    name = localised(category.name_sv, category.name_en, lang)
    about = localised(category.description_sv, category.description_en, lang)
    hint = hint_line(element, about) if about else ""
    return (
        f'<div class="choice"><input type="radio" id="{esc(element)}" name="category" '
        f'value="{esc(category.code)}" required'
        f"{described_by(f'{element}-hint' if about else None)}>"
        f'<div><label for="{esc(element)}" id="{esc(element)}-label">{esc(name)}</label>{hint}'
        "</div></div>"
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
        f"<h1>{esc(call)}</h1>"
        f'<p class="call"><a href="tel:{esc(number.replace(" ", ""))}">{esc(call)}</a></p>'
        f"<p>{esc(DIVERT_WORDS[divert][lang])}</p>"
        + (f"<p><strong>{esc(words('not_sent', lang))}</strong></p>" if sent else "")
        + f'<p><a href="{esc(back_url)}">{esc(words("back_to_form", lang))}</a></p>'
    )
    return html_page(lang, call, body, status=422 if sent else 200)


def received_page(lang: str, reference: str | None) -> HTMLResponse:
    reference_line = (
        f'<p>{esc(words("reference", lang))} <span class="ref">{esc(reference)}</span></p>'
        if reference
        else ""
    )
    body = (
        f"<h1>{esc(words('thanks', lang))}</h1><p>{esc(RECEIVED_MESSAGE[lang])}</p>"
        f'{reference_line}<p><a href="new?lang={esc(lang)}">{esc(words("another", lang))}</a></p>'
    )
    other = f"received?lang={other_lang(lang)}" + (f"&ref={reference}" if reference else "")
    return html_page(lang, words("thanks", lang), body, other)


def missing_page(municipality: str, lang: str) -> HTMLResponse:
    body = (
        f"<h1>{esc(words('missing', lang))}</h1>"
        f"<p>{esc(words('missing_body', lang, code=municipality))}</p>"
    )
    return html_page(lang, words("missing", lang), body, status=404)


def problem_page(lang: str, status: int, headers: Mapping[str, str] | None) -> HTMLResponse:
    """A request the form cannot answer, as a page: too many requests, no such page, …"""
    title, text = PROBLEMS.get(status, OTHER_PROBLEM)[lang]
    retry = (headers or {}).get("Retry-After", "")
    later = f"<p>{esc(wait(int(retry), lang))}</p>" if retry.isdigit() else ""
    body = (
        f"<h1>{esc(title)}</h1><p>{esc(text)}</p>{later}"
        f'<p><a href="new?lang={esc(lang)}">{esc(words("start_again", lang))}</a></p>'
    )
    return html_page(lang, title, body, status=status, headers=headers)
