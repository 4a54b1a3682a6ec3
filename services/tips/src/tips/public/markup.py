"""The markup the tip form's pages share: the page around them, its one style, and the pieces
every field is built of. Every value from the database or the request is escaped here.

Plain strings, no template engine: a handful of small pages. The one inline style is registered
with the app, the only style the pages' Content-Security-Policy allows. Links are relative, so
the pages work under whatever path a proxy serves them.
"""

from collections.abc import Mapping
from html import escape

from fastapi.responses import HTMLResponse

from tips.public.schemas import FormError
from tips.public.texts import ERRORS, words

# The pages' one inline style: their Content-Security-Policy allows exactly this text.
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


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def other_lang(lang: str) -> str:
    return "en" if lang == "sv" else "sv"


def html_page(
    lang: str,
    title: str,
    body: str,
    other_url: str | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    other = other_lang(lang)
    switch = (
        f'<p class="lang"><a href="{esc(other_url)}" lang="{other}" hreflang="{other}">'
        f"{esc(words('other_language', lang))}</a></p>"
        if other_url
        else ""
    )
    page = (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body><header>"
        f'<p class="urgent">{esc(words("urgent", lang))} <a href="tel:112">112</a></p>{switch}'
        f"</header><main>{body}</main></body></html>\n"
    )
    return HTMLResponse(page, status_code=status, headers=headers)


def marker(lang: str, required: bool) -> str:
    return f' <span class="req">{esc(words("required" if required else "optional", lang))}</span>'


def message(error: FormError, lang: str) -> str:
    return ERRORS[error.kind][lang].format(**error.params)


def error_summary(errors: list[FormError], anchors: Mapping[str, str], lang: str) -> str:
    """The errors at the top, each a link to its field."""
    if not errors:
        return ""
    items = "".join(
        f'<li><a href="#{esc(anchors.get(e.name, e.name))}">{esc(message(e, lang))}</a></li>'
        for e in errors
    )
    return (
        '<div class="errors" role="alert" aria-labelledby="errors-title">'
        f'<h2 id="errors-title">{esc(words("errors", lang))}</h2><ul>{items}</ul></div>'
    )


def page_title(text: str, errors: list[FormError], lang: str) -> str:
    return f"{words('error_prefix', lang)}{text}" if errors else text


def described_by(*ids: str | None) -> str:
    present = " ".join(esc(i) for i in ids if i)
    return f' aria-describedby="{present}"' if present else ""


def error_line(error: FormError | None, element: str, lang: str) -> str:
    if error is None:
        return ""
    return f'<p class="error" id="{esc(element)}-error">{esc(message(error, lang))}</p>'


def hint_line(element: str, text: str) -> str:
    return f'<p class="hint" id="{esc(element)}-hint">{esc(text)}</p>'


def invalid_mark(error: FormError | None) -> str:
    return ' aria-invalid="true"' if error else ""


def localised(swedish: str | None, english: str | None, lang: str) -> str | None:
    return (english if lang == "en" else None) or swedish
