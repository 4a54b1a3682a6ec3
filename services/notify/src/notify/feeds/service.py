"""Published action plans as OASIS CAP 1.2 alerts, and the Atom feed that lists them.

A plan's publication is an `Alert`; each revision an `Update` and its withdrawal a `Cancel`,
both referring to every earlier alert of the plan. The plan is low-urgency public
information: status Actual, scope Public, category Safety (Infra when every measure is about
the built environment), urgency Future, severity Minor, certainty Likely, one `info` per
language, the affected area as CAP polygons with the municipality code as a geocode.
"""

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import CapSettings
from notify.feeds.models import CapAlert
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
    },
    "en-US": {
        "event": "Community safety action plan",
        "headline": "Action plan for {locality}: {title}",
        "cancelled": "The action plan for {locality} no longer holds",
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


def _info(alert: ET.Element, language: str, plan: PlanEvent, sending: _Sending) -> None:
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
    key = "cancelled" if msg_type == "Cancel" else "headline"
    _sub(info, "headline", texts[key].format(locality=plan.locality, title=plan.title))
    reason = plan.reason if isinstance(plan, ActionPlanWithdrawn) else None
    _sub(info, "description", reason or plan.public_summary)
    _sub(info, "web", str(plan.public_url))
    area = _sub(info, "area")
    _sub(area, "areaDesc", plan.locality)
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
) -> str:
    """The alert as a CAP 1.2 XML document."""
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
    for language in TEXTS:
        _info(alert, language, plan, sending)
    body = ET.tostring(alert, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


async def record_alert(
    session: AsyncSession,
    plan: PlanEvent,
    msg_type: str,
    sent: datetime,
    settings: CapSettings,
) -> CapAlert:
    """Store the plan's next alert, referring to all its earlier ones."""
    plan_id = plan.plan_id
    earlier = (
        await session.exec(
            select(CapAlert).where(CapAlert.plan_id == plan_id).order_by(col(CapAlert.sent))
        )
    ).all()
    references = " ".join(f"{settings.sender},{a.identifier},{cap_time(a.sent)}" for a in earlier)
    id_ = uuid.uuid4()
    identifier = f"urn:uuid:{id_}"
    alert = CapAlert(
        id=id_,
        identifier=identifier,
        municipality_code=plan.municipality_code,
        plan_id=plan_id,
        revision=plan.revision,
        msg_type=msg_type,
        headline=TEXTS["sv-SE"]["cancelled" if msg_type == "Cancel" else "headline"].format(
            locality=plan.locality, title=plan.title
        ),
        sent=sent,
        references=references or None,
        document=document(identifier, sent, msg_type, references or None, plan, settings),
    )
    session.add(alert)
    return alert


async def latest(session: AsyncSession, municipality: str, limit: int = 50) -> list[CapAlert]:
    statement = (
        select(CapAlert)
        .where(CapAlert.municipality_code == municipality)
        .order_by(col(CapAlert.sent).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


def feed(municipality: str, alerts: list[CapAlert], base_url: str, now: datetime) -> str:
    """An Atom feed of the municipality's alerts, newest first, each linking to its CAP."""
    root = ET.Element("feed", xmlns=ATOM)

    def add(parent: ET.Element, tag: str, value: str | None = None, **attrs: str) -> None:
        ET.SubElement(parent, tag, attrs).text = value

    add(root, "id", f"urn:trygg:cap:{municipality}")
    add(root, "title", f"Trygg: åtgärdsplaner i kommun {municipality} (CAP 1.2)")
    add(root, "updated", (alerts[0].sent if alerts else now).isoformat())
    add(root, "link", rel="self", href=f"{base_url}/cap/{municipality}/alerts.atom")
    author = ET.SubElement(root, "author")
    add(author, "name", "Trygg")
    for alert in alerts:
        entry = ET.SubElement(root, "entry")
        add(entry, "id", alert.identifier)
        add(entry, "title", f"{alert.msg_type}: {alert.headline}")
        add(entry, "updated", alert.sent.isoformat())
        href = f"{base_url}/cap/alerts/{alert.id}"
        add(entry, "link", rel="alternate", type=MEDIA_TYPE, href=href)
        add(entry, "content", type=MEDIA_TYPE, src=href)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
