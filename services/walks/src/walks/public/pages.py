"""Readable public pages in Swedish, built from the public models (which hold no personal data).

Plain string building with every stored value escaped: three small pages do not need a template
engine. Places are drawn on an inline map and listed beside it under the same numbers or
letters; coordinates appear only in the links that open a place in a full map.
"""

from collections.abc import Iterable
from datetime import date, datetime
from html import escape

from shared import geo
from shared.dates import spelled_day
from walks.domain import MeasureStatus, ParticipantRole, PlanStatus, local_time
from walks.fields import NamedPlace
from walks.protocols.schemas import ProtocolObservation, PublicProtocol
from walks.public.follow import Follow, follow_section
from walks.public.layout import STYLE as STYLE
from walks.public.layout import cards, facts, link, marked_facts, page, paragraph, section
from walks.public.maps import Layers, Marker, letter, svg_map
from walks.public.schemas import PublicMeasure, PublicPlan, PublicWalk

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
# A withdrawn plan's measures that were still to come will not be carried out.
OPEN_MEASURES = {MeasureStatus.PROPOSED, MeasureStatus.ACCEPTED, MeasureStatus.IN_PROGRESS}
WILL_NOT = "Genomförs inte: planen är återkallad."


def day(value: date) -> str:
    return spelled_day(value)


def moment(value: datetime) -> str:
    local = local_time(value)
    return f"{day(local.date())} kl. {local:%H:%M}"


def _osm_link(point: geo.Point, text: str) -> str:
    lon, lat = point.coordinates
    url = f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=18/{lat:.5f}/{lon:.5f}"
    return f'<a href="{escape(url)}">{escape(text)}</a>'


def _polygon(area: geo.Polygon | None) -> list[list[list[tuple[float, float]]]]:
    return [area.coordinates] if area is not None else []


def _route(route: geo.LineString | None) -> list[list[tuple[float, float]]]:
    return [route.coordinates] if route is not None else []


def _stop_markers(stops: list[NamedPlace]) -> list[Marker]:
    return [
        Marker(s.location.coordinates, letter(i), f"{letter(i)}: {s.name}", "stop")
        for i, s in enumerate(stops)
    ]


def _stop_list(stops: list[NamedPlace]) -> str:
    if not stops:
        return ""
    items = "".join(f"<li>{escape(s.name)} ({_osm_link(s.location, 'karta')})</li>" for s in stops)
    return f'<ol type="A">{items}</ol>'


def walk_page(walk: PublicWalk, about: Follow) -> str:
    meeting = walk.meeting_point
    markers = _stop_markers(walk.stops)
    if all(m.position != meeting.location.coordinates for m in markers):
        markers.append(
            Marker(meeting.location.coordinates, "S", f"Samling: {meeting.name}", "meeting")
        )
    layers = Layers(areas=_polygon(walk.area), lines=_route(walk.route), markers=markers)
    when = f"{moment(walk.starts_at)}, {WALK_LIGHT[walk.light_condition]}"
    details = facts(
        [
            ("Kommun", about.municipality),
            ("Ort", walk.locality),
            ("När", when),
            ("Samling", meeting.name),
            ("Förmöte", day(walk.pre_meeting_date) if walk.pre_meeting_date else None),
            ("Återträff", day(walk.closing_meeting_date) if walk.closing_meeting_date else None),
            ("Status", WALK_STATUS[walk.status]),
        ]
    )
    route = svg_map(layers, f"Karta över vandringen i {walk.locality}: området och rutten")
    return page(
        walk.title,
        paragraph(walk.public_description),
        details,
        section("Rutten", route + _stop_list(walk.stops)),
        link(walk.protocol_url, "Läs protokollet från vandringen"),
        follow_section(about, walk.locality),
    )


def _observation(number: int, o: ProtocolObservation) -> str:
    heading = f"{SENTIMENT[o.sentiment]}: {o.category_label}"
    details = facts(
        [
            ("Allvar", LEVEL[o.severity] if o.severity else None),
            ("Ljus", SEEN_LIGHT[o.light] if o.light else None),
            ("Trygghet för", ", ".join(PERSPECTIVES[p] for p in o.perspectives) or None),
        ]
    )
    place = marked_facts([("Plats", f"nr {number} på kartan ({_osm_link(o.location, 'karta')})")])
    return (
        f'<li><h3><span class="number">{number}</span>{escape(heading)}</h3>'
        f"{paragraph(o.description)}{details}{place}</li>"
    )


def _protocol_map(protocol: PublicProtocol) -> str:
    markers = _stop_markers(protocol.stops) + [
        Marker(o.location.coordinates, str(n), f"{n}: {SENTIMENT[o.sentiment]}", o.sentiment)
        for n, o in enumerate(protocol.observations, start=1)
    ]
    layers = Layers(areas=_polygon(protocol.area), lines=_route(protocol.route), markers=markers)
    return svg_map(layers, f"Karta över vandringen i {protocol.locality} och observationerna")


def protocol_page(protocol: PublicProtocol, about: Follow) -> str:
    counts = protocol.participants_by_role
    # In the order of ROLES: a stored document's keys come back in JSONB's order, not ours.
    roles = ", ".join(
        f"{label}: {counts[ParticipantRole(r)]}" for r, label in ROLES.items() if r in counts
    )
    conducted = f"{moment(protocol.conducted_at)}, {WALK_LIGHT[protocol.light_condition]}"
    details = facts(
        [
            ("Kommun", about.municipality),
            ("Ort", protocol.locality),
            ("Genomförd", conducted),
            ("Deltagare", roles or "inga registrerade"),
            ("Publicerat", day(protocol.published_at.date()) if protocol.published_at else None),
        ]
    )
    observations = cards(
        (_observation(n, o) for n, o in enumerate(protocol.observations, start=1)), numbered=True
    )
    return page(
        f"Protokoll: {protocol.title}",
        details,
        section("Sammanfattning", paragraph(protocol.summary)),
        section("Återträffen", paragraph(protocol.closing_meeting_notes)),
        section("Rutten och platserna", _protocol_map(protocol) + _stop_list(protocol.stops)),
        section("Observationer", observations or paragraph("Inga observationer registrerades.")),
        follow_section(about, protocol.locality),
    )


def _withdrawal_banner(plan: PublicPlan) -> str:
    when = f" den {day(local_time(plan.withdrawn_at).date())}" if plan.withdrawn_at else ""
    reason = paragraph(f"Skäl: {plan.withdrawal_reason}") if plan.withdrawal_reason else ""
    return (
        '<section class="banner" role="status"><h2>Planen är återkallad</h2>'
        f"<p>Planen återkallades{escape(when)}. Åtgärderna i den genomförs inte.</p>"
        f"{reason}</section>"
    )


def _measure(m: PublicMeasure, withdrawn: bool) -> str:
    struck = withdrawn and m.status in OPEN_MEASURES
    status = MEASURE_STATUS[m.status] + (f": {m.status_reason}" if m.status_reason else "")
    title = f"<del>{escape(m.title)}</del>" if struck else escape(m.title)
    description = m.description and (
        f"<p><del>{escape(m.description)}</del></p>" if struck else paragraph(m.description)
    )
    details = facts(
        [
            ("Ansvarig", m.responsible),
            ("Prioritet", LEVEL[m.priority]),
            ("Klar senast", day(m.due_date) if m.due_date else None),
            ("Status", WILL_NOT if struck else status),
        ]
    )
    marked = ' class="struck"' if struck else ""
    return f"<li{marked}><h3>{title}</h3>{description or ''}{details}</li>"


def _plan_facts(plan: PublicPlan, about: Follow) -> str:
    withdrawn = plan.status == PlanStatus.WITHDRAWN
    return facts(
        [
            ("Kommun", about.municipality),
            ("Ort", plan.locality),
            ("Status", "återkallad" if withdrawn else "gällande"),
            ("Publicerad", day(plan.published_at.date()) if plan.published_at else None),
            ("Version", str(plan.revision)),
            ("Senaste ändring", plan.revision_note),
        ]
    )


def _plan_map(plan: PublicPlan) -> str:
    areas = list(plan.affected_area.coordinates) if plan.affected_area else []
    map_ = svg_map(Layers(areas=areas), f"Karta över området som planen gäller i {plan.locality}")
    reach = paragraph(f"Planen gäller området på kartan och {plan.buffer_m} m runt det.")
    return map_ + reach if map_ else ""


def plan_page(plan: PublicPlan, about: Follow) -> str:
    withdrawn = plan.status == PlanStatus.WITHDRAWN
    measures: Iterable[str] = (_measure(m, withdrawn) for m in plan.measures)
    return page(
        plan.title,
        _withdrawal_banner(plan) if withdrawn else "",
        paragraph(plan.public_summary),
        _plan_facts(plan, about),
        section("Området", _plan_map(plan)),
        section("Åtgärder", cards(measures) or paragraph("Planen har inga åtgärder.")),
        link(plan.protocol_url, "Läs protokollet från trygghetsvandringen"),
        follow_section(about, plan.locality),
    )
