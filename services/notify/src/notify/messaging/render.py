"""Messages from Jinja2 templates, one per message kind and language, Swedish first.

A message is rendered once per kind of recipient and language, with placeholders for the links
that differ per recipient (unsubscribe, confirm); the dispatcher fills them in per send, so a
plan told to 100,000 residents is rendered a handful of times, not 100,000. The placeholders are
new random strings at every rendering: a fixed one could be written into staff text, a title or
a summary, and would then be filled in with each recipient's own link.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from notify.domain import LOCAL_TIME
from shared.dates import spelled_day
from shared.municipalities import name as municipality_name

TEMPLATES = Path(__file__).parent / "templates" / "messages"
WEEKDAYS = {
    "sv": "måndag tisdag onsdag torsdag fredag lördag söndag",
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
}
URL = r"https?://[^\s<>\"]+"
AND = {"sv": "och", "en": "and"}
DASH = "\N{EN DASH}"  # between the ends of a period


@dataclass(frozen=True)
class Content:
    """One rendering of a message: the email's subject, text and HTML, and the SMS text, with
    this rendering's placeholders for the recipient's unsubscribe and confirmation links."""

    subject: str
    text: str
    html: str
    sms: str
    unsubscribe: str
    confirm: str

    def filled(self, text: str, unsubscribe_url: str, confirm_url: str) -> str:
        """Text of this rendering with one recipient's links in place of the placeholders."""
        return text.replace(self.unsubscribe, unsubscribe_url).replace(self.confirm, confirm_url)


def _placeholder(name: str) -> str:
    # Letters and digits only: HTML escaping, header folding and encodings leave it whole.
    return f"TRYGG{name}{secrets.token_hex(16).upper()}"


def _parse(value: object) -> date | None:
    """A payload's date, or its moment in local time; None for what no calendar here shows.

    Stored data can hold dates such as -infinity, or year 1 and 9999, whose local time is out
    of range: a message about them is still sent, with the date as it was given.
    """
    try:
        if isinstance(value, str):
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        if isinstance(value, datetime):
            return value.astimezone(LOCAL_TIME)
    except (ValueError, OverflowError, OSError):
        return None
    return value if isinstance(value, date) else None


def _day(value: object, lang: str) -> str:
    moment = _parse(value)
    if moment is None:
        return str(value)
    return spelled_day(moment, lang)


def _moment(value: object, lang: str) -> str:
    local = _parse(value)
    if not isinstance(local, datetime):
        return _day(value, lang)
    weekday = WEEKDAYS[lang].split()[local.weekday()]
    if lang == "sv":
        return f"{weekday} {_day(local, lang)} kl. {local:%H.%M}"
    return f"{weekday} {_day(local, lang)} at {local:%H:%M}"


def _municipality(name: str | None, lang: str) -> str:
    if lang == "sv":
        return f"{name} kommun" if name else "Kommunen"
    return f"{name} municipality" if name else "The municipality"


@jinja2.pass_context
def _day_filter(ctx: jinja2.runtime.Context, value: object) -> str:
    return _day(value, ctx["lang"])


@jinja2.pass_context
def _moment_filter(ctx: jinja2.runtime.Context, value: object) -> str:
    return _moment(value, ctx["lang"])


def _joined(names: list[str], lang: str) -> str:
    """Names joined as a sentence: "Forsheda, Bor och Torget"."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {AND[lang]} {names[-1]}"


@jinja2.pass_context
def _where_filter(ctx: jinja2.runtime.Context, places: list[dict[str, Any]]) -> str:
    """Places as residents know them: by locality, or by name where none is given; each
    once, joined as a sentence ("Forsheda, Bor och Torget")."""
    names = list(dict.fromkeys(p.get("locality") or p["name"] for p in places))
    return _joined(names, ctx["lang"])


@jinja2.pass_context
def _joined_filter(ctx: jinja2.runtime.Context, names: list[str]) -> str:
    return _joined(names, ctx["lang"])


@jinja2.pass_context
def _period_filter(ctx: jinja2.runtime.Context, start: object, end: object) -> str:
    """A period as people say it, ends joined by an en dash: whole calendar years by their
    numbers (2027-2028, as promises usually run), any other period from day to day."""
    first, last = _parse(start), _parse(end)
    if first is None or last is None:
        return f"{start}{DASH}{end}"
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
        years = sorted({first.year, last.year})
        return DASH.join(str(y) for y in years)
    return f"{_day(first, ctx['lang'])}{DASH}{_day(last, ctx['lang'])}"


def _lower_first(value: str) -> str:
    return value[:1].lower() + value[1:] if value[1:2].islower() else value


def _paragraphs(text: str, placeholders: tuple[str, ...]) -> list[Markup]:
    """Plain text as HTML paragraphs, with its links (and link placeholders) made clickable."""
    links = re.compile("(" + "|".join([URL, *map(re.escape, placeholders)]) + ")")
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        parts = [
            Markup(f'<a href="{escape(p)}">{escape(p)}</a>') if links.fullmatch(p) else escape(p)
            for p in links.split(block)
        ]
        out.append(Markup("").join(parts).replace("\n", Markup("<br>\n")))
    return out


class Renderer:
    def __init__(self) -> None:
        self._text = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
            autoescape=False,
        )
        self._html = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
        self._text.filters["day"] = _day_filter
        self._text.filters["moment"] = _moment_filter
        self._text.filters["lower_first"] = _lower_first
        self._text.filters["where"] = _where_filter
        self._text.filters["joined"] = _joined_filter
        self._text.filters["period"] = _period_filter

    def render(
        self,
        kind: str,
        lang: str,
        data: dict[str, Any],
        *,
        municipality_code: str | None = None,
        audience: str = "resident",
        stakeholder_key: str | None = None,
        stakeholder_name: str | None = None,
    ) -> Content:
        lang = lang if lang in ("sv", "en") else "sv"
        name = municipality_name(municipality_code)
        unsubscribe, confirm = _placeholder("UNSUBSCRIBE"), _placeholder("CONFIRM")
        context = {
            "lang": lang,
            "kind": kind,
            "data": data,
            "municipality": _municipality(name, lang),
            "audience": audience,
            "stakeholder_name": stakeholder_name,
            "for_you": [
                m
                for m in data.get("measures", [])
                if stakeholder_key and m["responsible"]["key"] == stakeholder_key
            ],
            "unsubscribe_url": unsubscribe,
            "confirm_url": confirm,
        }
        subject, body, sms = self._blocks(f"{kind}.{lang}.j2", context, "subject", "body", "sms")
        footer, sms_footer = self._blocks(f"footer.{lang}.j2", context, "body", "sms")
        placeholders = (unsubscribe, confirm)
        html = self._html.get_template("email.html.j2").render(
            lang=lang,
            subject=subject,
            body=_paragraphs(body, placeholders),
            footer=_paragraphs(footer, placeholders),
        )
        return Content(
            subject=" ".join(subject.split()),
            text=f"{body.strip()}\n\n-- \n{footer.strip()}\n",
            html=html,
            sms=" ".join(sms.split()) + sms_footer.rstrip(),
            unsubscribe=unsubscribe,
            confirm=confirm,
        )

    def _blocks(self, name: str, context: dict[str, Any], *blocks: str) -> list[str]:
        template = self._text.get_template(name)
        ctx = template.new_context(context)
        return ["".join(template.blocks[b](ctx)) for b in blocks]
