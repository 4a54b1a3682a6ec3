"""Who is told: the audience of a message, resolved in PostGIS and written in one statement each.

Fan-out is set-based: one `INSERT … SELECT … ON CONFLICT DO NOTHING` per kind of recipient
creates every notification, so a plan reaching 100,000 residents costs three statements, not
100,000 round trips, and a redelivered event creates nothing twice (the unique key is event,
recipient and channel).

Every audience is bounded by the message's municipality: a resident's consent is given to one
municipality, and a message from another never reaches them. One address hears once per
channel: each statement keeps one row per channel and address (a person's oldest subscription
or contact), and a unique index on event, channel and address keeps a resident who is also an
organisation's contact from a second copy (residents are written first).

- Residents: confirmed subscriptions to the topic whose place (point and radius, drawn area or
  locality) comes within the plan's buffer of its area; or, for what concerns the whole
  municipality (its citizens' promise), every confirmed subscription to the topic in it. A
  spatial index on each subscription's reach (its place widened by its radius, as a box)
  finds the candidates; an exact geodesic distance check decides.
- Stakeholders: contacts of organisations named responsible for a measure (by natural key),
  and of organisations whose area of responsibility meets the widened area and whose
  categories, if both they and the plan have any, include a measure's category.
- Integrators: active webhooks of the municipality subscribed to the event type.
- Revisions, withdrawals and rescheduled walks also reach whoever was told before.
"""

import functools
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import TextClause, text
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.domain import Topic
from shared.geo import Geometry
from shared.tracing import current_traceparent

# Every parameter is cast once, here, so PostgreSQL never has to guess a type twice.
PARAMS = """
WITH p AS MATERIALIZED (
  SELECT CAST(:message_id AS uuid) AS message_id, CAST(:event_id AS text) AS event_id,
    CAST(:municipality AS text) AS municipality, CAST(:budget AS integer) AS budget,
    CAST(:topic AS text) AS topic, CAST(:buffer AS float8) AS buffer,
    CAST(:subject AS text) AS subject, CAST(:kind AS text) AS kind,
    CAST(:keys AS text[]) AS keys, CAST(:categories AS text[]) AS categories,
    CAST(:in_area AS boolean) AS in_area, CAST(:event_type AS text) AS event_type,
    CAST(:traceparent AS text) AS traceparent,
    ST_SetSRID(ST_GeomFromGeoJSON(CAST(:area AS text)), 4326) AS g),
area AS MATERIALIZED (
  SELECT g, g::geography AS gg,
    ST_Expand(ST_Envelope(ST_Buffer(g::geography, buffer * 1.01 + 1)::geometry), 0.00001) AS box
  FROM p)
"""
TOLD_BEFORE = """
  SELECT n.recipient_id FROM notification n JOIN message m ON m.id = n.message_id, p
  WHERE m.subject = p.subject AND m.id <> p.message_id AND n.recipient_kind = p.kind
    AND m.municipality_code = p.municipality AND n.recipient_id IS NOT NULL
"""
# A notification's id is derived from what makes it unique (the event, the channel, the address
# or webhook): an event handled again after a database restore makes the same notification, so
# the email's Message-ID and the webhook-id repeat and receivers drop the second.
COLUMNS = """
INSERT INTO notification (id, message_id, event_id, municipality_code, recipient_kind,
  recipient_id, stakeholder_id, channel, address, language, status, attempt_budget,
  next_attempt_at, created_at, updated_at, traceparent)
"""
RESIDENTS = """
{columns}
SELECT DISTINCT ON (channel, address)
  md5(concat_ws('|', p.event_id, s.channels ->> p.topic,
    CASE s.channels ->> p.topic WHEN 'sms' THEN s.phone ELSE s.email END))::uuid,
  p.message_id, p.event_id,
  p.municipality, 'resident', s.id, NULL, s.channels ->> p.topic AS channel,
  CASE s.channels ->> p.topic WHEN 'sms' THEN s.phone ELSE s.email END AS address,
  s.language, 'created', p.budget,
  CASE WHEN s.quiet_start IS NULL THEN now()
       ELSE notify_quiet_until(s.quiet_start, s.quiet_end, now()) END,
  now(), now(), p.traceparent
FROM subscription s, area, p
WHERE s.status = 'confirmed' AND s.municipality_code = p.municipality
  AND s.channels ->> p.topic IS NOT NULL
  AND CASE s.channels ->> p.topic WHEN 'sms' THEN s.phone ELSE s.email END IS NOT NULL
  AND {where}
ORDER BY channel, address, s.created_at, s.id
ON CONFLICT DO NOTHING
"""
# Inside the area by plane geometry settles most residents at a fraction of the cost of the
# geodesic distance, which decides the rest (the buffer, the radius).
WITHIN = """s.reach && area.box AND CASE WHEN ST_Intersects(s.place, area.g) THEN true
  ELSE ST_DWithin(s.place::geography, area.gg, p.buffer + s.radius_m) END"""
CONTACTS = """
{columns}
SELECT DISTINCT ON (c.channel, address)
  md5(concat_ws('|', p.event_id, c.channel,
    CASE c.channel WHEN 'sms' THEN c.phone ELSE c.email END))::uuid,
  p.message_id, p.event_id,
  p.municipality, 'contact', c.id, st.id, c.channel,
  CASE c.channel WHEN 'sms' THEN c.phone ELSE c.email END AS address, st.language,
  'created', p.budget, now(), now(), now(), p.traceparent
FROM stakeholder st JOIN stakeholder_contact c ON c.stakeholder_id = st.id, area, p
WHERE st.municipality_code = p.municipality AND c.opted_out_at IS NULL
  AND CASE c.channel WHEN 'sms' THEN c.phone ELSE c.email END IS NOT NULL
  AND (st.key = ANY(p.keys)
    OR (p.in_area AND p.topic = ANY(c.topics) AND st.area && area.box
        AND ST_DWithin(st.area::geography, area.gg, p.buffer)
        AND (cardinality(p.categories) = 0 OR cardinality(st.categories) = 0
             OR st.categories && p.categories))
    {told_before})
ORDER BY c.channel, address, c.created_at, c.id
ON CONFLICT DO NOTHING
"""
WEBHOOKS = """
{columns}
SELECT md5(concat_ws('|', p.event_id, 'webhook', w.id::text))::uuid, p.message_id,
  p.event_id, p.municipality, 'webhook', w.id, NULL,
  'webhook', w.url, 'sv', 'created', p.budget, now(), now(), now(), p.traceparent
FROM webhook w, p
WHERE w.active AND w.municipality_code = p.municipality AND p.event_type = ANY(w.event_types)
ON CONFLICT DO NOTHING
"""


@dataclass(frozen=True)
class Reach:
    """Whom a message is for, in the terms of the event that caused it."""

    municipality_code: str
    topic: Topic
    area: Geometry | None = None
    buffer_m: int = 0
    responsible_keys: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    event_type: str | None = None
    residents: bool = True
    area_stakeholders: bool = True
    # Also whoever was told about the same subject (plan, walk) before.
    told_before: bool = False
    # Every resident of the municipality who chose the topic, wherever their place: for what
    # concerns the whole municipality and has no area.
    whole_municipality: bool = False


@dataclass(frozen=True)
class Fanout:
    residents: int
    contacts: int
    webhooks: int

    @property
    def total(self) -> int:
        return self.residents + self.contacts + self.webhooks


# Each statement is built once per shape: `text()` parses its parameters with regular
# expressions, which cost more than a small fan-out's round trip when done per event.
@functools.cache
def _residents_sql(told_before: bool, whole_municipality: bool) -> TextClause:
    # The spatial test in the outer query lets the index on `reach` find the candidates; with
    # those told before, each set is found by its own index and the two are united.
    if whole_municipality:
        return text(PARAMS + RESIDENTS.format(columns=COLUMNS, where="true"))
    where = WITHIN
    if told_before:
        near = f"SELECT s.id FROM subscription s, area, p WHERE {WITHIN}"
        where = f"s.id IN ({near} UNION {TOLD_BEFORE})"
    return text(PARAMS + RESIDENTS.format(columns=COLUMNS, where=where))


@functools.cache
def _contacts_sql(told_before: bool) -> TextClause:
    before = f"OR c.id IN ({TOLD_BEFORE})" if told_before else ""
    return text(PARAMS + CONTACTS.format(columns=COLUMNS, told_before=before))


_WEBHOOKS_SQL = text(PARAMS + WEBHOOKS.format(columns=COLUMNS))


async def fan_out(
    session: AsyncSession,
    message_id: uuid.UUID,
    event_id: str,
    subject: str,
    reach: Reach,
    budget: int,
) -> Fanout:
    """Create the message's notifications; returns how many were created, by recipient kind."""
    conn = await session.connection()
    params: dict[str, Any] = {
        "message_id": message_id,
        "event_id": event_id,
        "municipality": reach.municipality_code,
        "budget": budget,
        "topic": reach.topic.value,
        "buffer": reach.buffer_m,
        "subject": subject,
        "keys": reach.responsible_keys,
        "categories": reach.categories,
        "in_area": reach.area_stakeholders and reach.area is not None,
        "event_type": reach.event_type,
        "area": reach.area.model_dump_json() if reach.area else None,
        # The consumer's span: each notification's delivery continues its trace.
        "traceparent": current_traceparent(),
    }
    residents = webhooks = 0
    if reach.residents and (reach.area is not None or reach.whole_municipality):
        sql = _residents_sql(reach.told_before, reach.whole_municipality)
        residents = (await conn.execute(sql, {**params, "kind": "resident"})).rowcount
    contacts_sql = _contacts_sql(reach.told_before)
    contacts = (await conn.execute(contacts_sql, {**params, "kind": "contact"})).rowcount
    if reach.event_type is not None:
        webhooks = (await conn.execute(_WEBHOOKS_SQL, {**params, "kind": "webhook"})).rowcount
    return Fanout(residents, contacts, webhooks)
