"""Published action plans as OASIS CAP 1.2 alerts, and the Atom feed that lists them.

A plan's publication is an `Alert`; each revision an `Update` and its withdrawal a `Cancel`,
both referring to every earlier alert of the plan. The plan is low-urgency public
information: status Actual, scope Public, category Safety (Infra when every measure is about
the built environment), urgency Future, severity Minor, certainty Likely, one `info` per
language the plan has text in, the affected area as CAP polygons with the municipality code as a
geocode. An Update's description begins with the revision's note.
"""

import uuid
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import CapSettings
from notify.feeds.models import CapAlert
from shared import municipalities
from shared.contracts.walks import ActionPlanPublished, ActionPlanRevised, ActionPlanWithdrawn
from shared.geo import MultiPolygon

# The events an alert is written from: a plan's whole state, as published, revised or withdrawn.
PlanEvent = ActionPlanPublished | ActionPlanRevised | ActionPlanWithdrawn

CAP = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/cap+xml"
ATOM_TYPE = "application/atom+xml"
INFRA = {"lighting", "vegetation_sight_lines", "maintenance", "access_paths", "traffic"}
# A plan is of interest for about a year; CAP consumers drop alerts past `expires`.
VALIDITY = timedelta(days=365)
TEXTS = {
    "sv-SE": {
        "event": "Åtgärdsplan för trygghet",
        "headline": "Åtgärdsplan för {locality}: {title}",
        "cancelled": "Åtgärdsplanen för {locality} gäller inte längre",
        "revised": "Ändrat: {note}\n\n{summary}",
    },
    "en-US": {
        "event": "Community safety action plan",
        "headline": "Action plan for {locality}: {title}",
        "cancelled": "The action plan for {locality} no longer holds",
        "revised": "Changed: {note}\n\n{summary}",
    },
}


def _sub(parent: ET.Element, tag: str, value: str | None = None) -> ET.Element:
    # Plain tags under a root that declares the default namespace: no global prefix registry.
    element = ET.SubElement(parent, tag)
    if value is not None:
        element.text = value
    return element


def cap_time(moment: datetime) -> str:
    """CAP dateTime: seconds precision with an explicit offset, never "Z"."""
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "-00:00")


def _polygons(area: MultiPolygon) -> list[str]:
    """Each outer ring as CAP wants it: "lat,lon" pairs separated by spaces, first = last."""
    return [" ".join(f"{lat},{lon}" for lon, lat in polygon[0]) for polygon in area.coordinates]


@dataclass(frozen=True)
class _Sending:
    """What an alert's infos say besides the plan: when it was sent, and by whom."""

    sent: datetime
    sender_name: str
    msg_type: str


@dataclass(frozen=True)
class InfoText:
    """What an alert says in one language: the plan's own words, framed in that language."""

    headline: str
    description: str


def info_text(
    language: str, msg_type: str, plan: PlanEvent, title: str, summary: str, note: str
) -> InfoText:
    """The headline and description of an alert from the plan's title, summary and the note of
    its revision or withdrawal, all in `language`."""
    texts = TEXTS[language]
    if msg_type == "Cancel":
        return InfoText(texts["cancelled"].format(locality=plan.locality), note or summary)
    headline = texts["headline"].format(locality=plan.locality, title=title)
    if msg_type == "Update" and note:
        return InfoText(headline, texts["revised"].format(note=note, summary=summary))
    return InfoText(headline, summary)


def plan_texts(plan: PlanEvent, msg_type: str) -> dict[str, InfoText]:
    """The alert's texts by CAP language. A plan is written in Swedish, and its events carry no
    English text: an en-US info would be Swedish words under an English label, so there is none.
    """
    if isinstance(plan, ActionPlanRevised):
        note = plan.revision_note
    elif isinstance(plan, ActionPlanWithdrawn):
        note = plan.reason
    else:
        note = ""
    return {"sv-SE": info_text("sv-SE", msg_type, plan, plan.title, plan.public_summary, note)}


def area_description(plan: PlanEvent) -> str:
    name = municipalities.name(plan.municipality_code)
    return f"{plan.locality}, {name}" if name else plan.locality


def _info(
    alert: ET.Element, language: str, text: InfoText, plan: PlanEvent, sending: _Sending
) -> None:
    texts, msg_type = TEXTS[language], sending.msg_type
    info = _sub(alert, "info")
    _sub(info, "language", language)
    categories = {m.category for m in plan.measures}
    _sub(info, "category", "Infra" if categories and categories <= INFRA else "Safety")
    _sub(info, "event", texts["event"])
    _sub(info, "responseType", "None")
    _sub(info, "urgency", "Past" if msg_type == "Cancel" else "Future")
    _sub(info, "severity", "Minor")
    _sub(info, "certainty", "Likely")
    _sub(info, "expires", cap_time(sending.sent + VALIDITY))
    _sub(info, "senderName", sending.sender_name)
    _sub(info, "headline", text.headline)
    _sub(info, "description", text.description)
    _sub(info, "web", str(plan.public_url))
    area = _sub(info, "area")
    _sub(area, "areaDesc", area_description(plan))
    for polygon in _polygons(plan.affected_area):
        _sub(area, "polygon", polygon)
    geocode = _sub(area, "geocode")
    _sub(geocode, "valueName", "kommunkod")
    _sub(geocode, "value", plan.municipality_code)


def document(
    identifier: str,
    sent: datetime,
    msg_type: str,
    references: str | None,
    plan: PlanEvent,
    settings: CapSettings,
    texts: Mapping[str, InfoText] | None = None,
) -> str:
    """The alert as a CAP 1.2 XML document, one `info` per language of `texts` (by default the
    plan's own, `plan_texts`)."""
    alert = ET.Element("alert", xmlns=CAP)
    _sub(alert, "identifier", identifier)
    _sub(alert, "sender", settings.sender)
    _sub(alert, "sent", cap_time(sent))
    _sub(alert, "status", "Actual")
    _sub(alert, "msgType", msg_type)
    _sub(alert, "scope", "Public")
    if references:
        _sub(alert, "references", references)
    sending = _Sending(sent, settings.sender_name, msg_type)
    texts = plan_texts(plan, msg_type) if texts is None else texts
    for language in TEXTS:
        if language in texts:
            _info(alert, language, texts[language], plan, sending)
    body = ET.tostring(alert, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


@dataclass(frozen=True)
class AlertOf:
    """A plan event to be stored as a CAP alert of this type, sent at this moment."""

    plan: PlanEvent
    msg_type: str
    sent: datetime


# Built once, as the consumer writes alerts for every plan event it takes.
EARLIER_ALERTS = text(
    "SELECT plan_id, identifier, sent FROM cap_alert "
    "WHERE plan_id = ANY(CAST(:plan_ids AS uuid[])) ORDER BY sent"
)
ADD_ALERT = insert(CapAlert)


async def record_alerts(
    session: AsyncSession, alerts: Sequence[AlertOf], settings: CapSettings
) -> None:
    """Store each plan's next alert, in order, each referring to all the plan's earlier ones
    (an earlier one of the same batch too): one statement reads them, one writes the new."""
    if not alerts:
        return
    conn = await session.connection()
    plan_ids = list({a.plan.plan_id for a in alerts})
    earlier: dict[uuid.UUID, list[str]] = defaultdict(list)
    for plan_id, identifier, at in await conn.execute(EARLIER_ALERTS, {"plan_ids": plan_ids}):
        earlier[plan_id].append(f"{settings.sender},{identifier},{cap_time(at)}")
    rows = []
    for alert in alerts:
        row = _alert_row(alert, " ".join(earlier[alert.plan.plan_id]) or None, settings)
        earlier[alert.plan.plan_id].append(
            f"{settings.sender},{row['identifier']},{cap_time(alert.sent)}"
        )
        rows.append(row)
    await conn.execute(ADD_ALERT, rows)


def _alert_row(alert: AlertOf, references: str | None, settings: CapSettings) -> dict[str, Any]:
    id_ = uuid.uuid4()
    identifier = f"urn:uuid:{id_}"
    plan, msg_type, sent = alert.plan, alert.msg_type, alert.sent
    texts = plan_texts(plan, msg_type)
    return {
        "id": id_,
        "identifier": identifier,
        "municipality_code": plan.municipality_code,
        "plan_id": plan.plan_id,
        "revision": plan.revision,
        "msg_type": msg_type,
        "headline": texts["sv-SE"].headline,
        "sent": sent,
        "references": references,
        "document": document(identifier, sent, msg_type, references, plan, settings, texts),
    }


async def latest(session: AsyncSession, municipality: str, limit: int = 50) -> list[CapAlert]:
    statement = (
        select(CapAlert)
        .where(CapAlert.municipality_code == municipality)
        .order_by(col(CapAlert.sent).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


def _municipality(code: str) -> str:
    name = municipalities.name(code)
    return name if name else f"kommun {code}"


def entry_summary(alert: CapAlert) -> str:
    """What the alert's first info says (for an Update, the note first), for a feed reader."""
    root = ET.fromstring(alert.document.encode())
    return root.findtext(f"{{{CAP}}}info/{{{CAP}}}description") or alert.headline


def feed(municipality: str, alerts: list[CapAlert], base_url: str, now: datetime) -> str:
    """An Atom feed of the municipality's alerts, newest first, each linking to its CAP."""
    root = ET.Element("feed", xmlns=ATOM)

    def add(parent: ET.Element, tag: str, value: str | None = None, **attrs: str) -> None:
        ET.SubElement(parent, tag, attrs).text = value

    add(root, "id", f"urn:trygg:cap:{municipality}")
    add(root, "title", f"Trygg: åtgärdsplaner i {_municipality(municipality)} (CAP 1.2)")
    add(root, "updated", (alerts[0].sent if alerts else now).isoformat())
    add(root, "link", rel="self", href=f"{base_url}/cap/{municipality}/alerts.atom")
    author = ET.SubElement(root, "author")
    add(author, "name", "Trygg")
    for alert in alerts:
        entry = ET.SubElement(root, "entry")
        add(entry, "id", alert.identifier)
        add(entry, "title", f"{alert.msg_type}: {alert.headline}")
        add(entry, "updated", alert.sent.isoformat())
        add(entry, "summary", entry_summary(alert), type="text")
        href = f"{base_url}/cap/alerts/{alert.id}"
        add(entry, "link", rel="alternate", type=MEDIA_TYPE, href=href)
        add(entry, "content", type=MEDIA_TYPE, src=href)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
