"""Readable public pages in Swedish, built from the public models (which hold no personal data).

Plain string building with every value escaped: three small pages do not need a template engine.
"""

from collections.abc import Iterable
from datetime import date, datetime
from html import escape

from shared import geo
from shared.dates import spelled_day
from walks.domain import ParticipantRole, local_time
from walks.fields import NamedPlace
from walks.protocols.schemas import PublicProtocol
from walks.public.schemas import PublicPlan, PublicWalk

ROLES = {
    "resident": "boende",
    "police": "polis",
    "municipal_official": "kommunens tjänstepersoner",
    "politician": "politiker",
    "property_owner": "fastighetsägare",
    "business": "näringsliv",
    "school": "skola",
    "association": "föreningar",
    "youth": "unga",
}
WALK_LIGHT = {"daylight": "i dagsljus", "after_dark": "efter mörkrets inbrott"}
SEEN_LIGHT = {"daylight": "dagsljus", "twilight": "skymning", "dark": "mörker"}
SENTIMENT = {"positive": "Trygg plats", "negative": "Otrygg plats"}
LEVEL = {"low": "låg", "medium": "medel", "high": "hög"}
PERSPECTIVES = {
    "everyone": "alla",
    "women": "kvinnor",
    "men": "män",
    "children": "barn",
    "youth": "unga",
    "elderly": "äldre",
    "people_with_disabilities": "personer med funktionsnedsättning",
}
MEASURE_STATUS = {
    "proposed": "föreslagen",
    "accepted": "beslutad",
    "in_progress": "pågår",
    "done": "genomförd",
    "rejected": "avslagen",
}
WALK_STATUS = {
    "planned": "planerad",
    "conducted": "genomförd",
    "protocol_published": "genomförd, protokollet är publicerat",
    "followed_up": "genomförd och uppföljd",
}
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5}table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;"
    "padding:.4rem;text-align:left;vertical-align:top}dt{font-weight:bold}"
)


def day(value: date) -> str:
    return spelled_day(value)


def moment(value: datetime) -> str:
    local = local_time(value)
    return f"{day(local.date())} kl. {local:%H:%M}"


def _page(title: str, *sections: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{''.join(sections)}</main></body></html>\n"
    )


def _section(heading: str, content: str) -> str:
    return f"<section><h2>{escape(heading)}</h2>{content}</section>"


def _facts(pairs: Iterable[tuple[str, str | None]]) -> str:
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in pairs if v is not None)
    return f"<dl>{items}</dl>"


def _table(headers: list[str], rows: Iterable[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _paragraph(text: str | None) -> str:
    return f"<p>{escape(text)}</p>" if text else ""


def _map_link(point: geo.Point) -> str:
    lon, lat = point.coordinates
    url = f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=18/{lat:.5f}/{lon:.5f}"
    return f'<a href="{escape(url)}">{lat:.5f}, {lon:.5f}</a>'


def _link(url: str | None, text: str) -> str:
    return f'<p><a href="{escape(url)}">{escape(text)}</a></p>' if url else ""


def _stops(stops: list[NamedPlace]) -> str:
    if not stops:
        return ""
    items = "".join(f"<li>{escape(s.name)} ({_map_link(s.location)})</li>" for s in stops)
    return _section("Rutten", f"<ol>{items}</ol>")


def walk_page(walk: PublicWalk) -> str:
    facts = _facts(
        [
            ("Ort", walk.locality),
            ("När", f"{moment(walk.starts_at)}, {WALK_LIGHT[walk.light_condition]}"),
            ("Samling", walk.meeting_point.name),
            ("Förmöte", day(walk.pre_meeting_date) if walk.pre_meeting_date else None),
            ("Återträff", day(walk.closing_meeting_date) if walk.closing_meeting_date else None),
            ("Status", WALK_STATUS[walk.status]),
        ]
    )
    return _page(
        walk.title,
        _paragraph(walk.public_description),
        facts,
        _stops(walk.stops),
        _link(walk.protocol_url, "Läs protokollet från vandringen"),
    )


def _observation_rows(protocol: PublicProtocol) -> Iterable[list[str]]:
    for o in protocol.observations:
        details = [SEEN_LIGHT[o.light] if o.light else "", LEVEL[o.severity] if o.severity else ""]
        yield [
            escape(SENTIMENT[o.sentiment]),
            escape(o.category_label),
            escape(o.description),
            escape(", ".join(PERSPECTIVES[p] for p in o.perspectives)),
            escape(" / ".join(d for d in details if d)),
            _map_link(o.location),
        ]


def protocol_page(protocol: PublicProtocol) -> str:
    counts = protocol.participants_by_role
    # In the order of ROLES: a stored document's keys come back in JSONB's order, not ours.
    roles = ", ".join(
        f"{label}: {counts[ParticipantRole(r)]}" for r, label in ROLES.items() if r in counts
    )
    facts = _facts(
        [
            ("Ort", protocol.locality),
            (
                "Genomförd",
                f"{moment(protocol.conducted_at)}, {WALK_LIGHT[protocol.light_condition]}",
            ),
            ("Deltagare", roles or "inga registrerade"),
            ("Publicerat", day(protocol.published_at.date()) if protocol.published_at else None),
        ]
    )
    headers = ["Upplevelse", "Kategori", "Beskrivning", "Trygghet för", "Ljus / allvar", "Plats"]
    return _page(
        f"Protokoll: {protocol.title}",
        facts,
        _section("Sammanfattning", _paragraph(protocol.summary)),
        _section("Återträffen", _paragraph(protocol.closing_meeting_notes))
        if protocol.closing_meeting_notes
        else "",
        _stops(protocol.stops),
        _section("Observationer", _table(headers, _observation_rows(protocol))),
    )


def plan_page(plan: PublicPlan) -> str:
    status = {"published": "gällande", "withdrawn": "återkallad"}.get(plan.status, plan.status)
    facts = _facts(
        [
            ("Ort", plan.locality),
            ("Status", status),
            ("Publicerad", day(plan.published_at.date()) if plan.published_at else None),
            ("Version", str(plan.revision)),
            ("Senaste ändring", plan.revision_note),
            ("Skäl till återkallelse", plan.withdrawal_reason),
        ]
    )
    rows = (
        [
            escape(m.title) + (f"<br>{escape(m.description)}" if m.description else ""),
            escape(m.responsible),
            escape(LEVEL[m.priority]),
            escape(day(m.due_date)) if m.due_date else "",
            escape(MEASURE_STATUS[m.status])
            + (f": {escape(m.status_reason)}" if m.status_reason else ""),
        ]
        for m in plan.measures
    )
    headers = ["Åtgärd", "Ansvarig", "Prioritet", "Klar senast", "Status"]
    return _page(
        plan.title,
        _paragraph(plan.public_summary),
        facts,
        _section("Åtgärder", _table(headers, rows)),
        _link(plan.protocol_url, "Läs protokollet från trygghetsvandringen"),
    )
