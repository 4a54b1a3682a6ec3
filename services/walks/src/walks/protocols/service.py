"""The protocol of a walk: generated from what was recorded, published as a public snapshot."""

import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import Principal
from shared.contracts.walks import ProtocolPublished
from shared.outbox import emit
from walks.domain import WalkStatus, utcnow
from walks.errors import WalkStatusConflict
from walks.fields import geometry
from walks.links import protocol_url
from walks.observations import service as observations
from walks.observations.models import Observation
from walks.participants.models import Participant
from walks.protocols.models import Protocol
from walks.protocols.schemas import (
    InternalProtocol,
    ProtocolObservation,
    ProtocolParticipant,
    ProtocolPublish,
    PublicProtocol,
)
from walks.walks import service as walk_service
from walks.walks.models import Walk

PUBLISHED = (WalkStatus.PROTOCOL_PUBLISHED, WalkStatus.FOLLOWED_UP)
PUBLIC_OBSERVATION = {
    "id",
    "category",
    "sentiment",
    "severity",
    "description",
    "light",
    "perspectives",
    "observed_at",
}


async def _public(
    session: AsyncSession, walk: Walk, base: str, texts: ProtocolPublish | None
) -> PublicProtocol:
    """The public protocol: the walk, counts by role, the observations; no one's name."""
    labels = (await observations.labels(session, [walk.municipality_code]))[walk.municipality_code]
    rows = await session.exec(
        select(Observation)
        .where(Observation.walk_id == walk.id)
        .order_by(col(Observation.observed_at), col(Observation.created_at), col(Observation.id))
    )
    return PublicProtocol.model_validate(
        {
            **walk.model_dump(),
            "walk_id": walk.id,
            "area": geometry(walk.area),
            "route": geometry(walk.route),
            "participants_by_role": await walk_service.participants_by_role(session, walk.id),
            "observations": [_observation(o, labels) for o in rows],
            "summary": texts.summary if texts else None,
            "closing_meeting_notes": texts.closing_meeting_notes if texts else None,
            "published_at": None,
            "public_url": protocol_url(base, walk.id),
            "data_url": protocol_url(base, walk.id, html=False),
        }
    )


def _observation(row: Observation, labels: dict[str, str]) -> ProtocolObservation:
    return ProtocolObservation.model_validate(
        {
            **row.model_dump(include=PUBLIC_OBSERVATION),
            "location": geometry(row.location),
            "category_label": labels.get(row.category, row.category),
        }
    )


async def get_protocol(
    session: AsyncSession, principal: Principal, walk_id: uuid.UUID, base: str
) -> InternalProtocol:
    """The published protocol, or a preview of it once the walk is conducted."""
    walk = await walk_service.get_walk(session, principal, walk_id)
    if walk.status == WalkStatus.PLANNED:
        raise WalkStatusConflict("A protocol is generated once the walk is conducted.")
    stored = await session.get(Protocol, walk.id)
    public = (
        PublicProtocol.model_validate(stored.document)
        if stored
        else await _public(session, walk, base, None)
    )
    participants = await session.exec(
        select(Participant)
        .where(Participant.walk_id == walk.id)
        .order_by(col(Participant.created_at), col(Participant.id))
    )
    return InternalProtocol.model_validate(
        {
            **public.model_dump(),
            "status": walk.status,
            "participants": [
                ProtocolParticipant.model_validate(p.model_dump()) for p in participants
            ],
        }
    )


async def publish_protocol(
    session: AsyncSession,
    principal: Principal,
    walk_id: uuid.UUID,
    body: ProtocolPublish,
    base: str,
) -> PublicProtocol:
    walk = await walk_service.get_walk(session, principal, walk_id, lock=True)
    if walk.status != WalkStatus.CONDUCTED:
        raise WalkStatusConflict(
            f"The walk is {walk.status}; a conducted walk's protocol is published."
        )
    now = utcnow()
    document = (await _public(session, walk, base, body)).model_copy(update={"published_at": now})
    session.add(
        Protocol(
            walk_id=walk.id,
            summary=body.summary,
            closing_meeting_notes=body.closing_meeting_notes,
            document=document.model_dump(mode="json"),
            published_by=principal.subject,
            published_at=now,
        )
    )
    walk.status, walk.protocol_published_at, walk.updated_at = (
        WalkStatus.PROTOCOL_PUBLISHED,
        now,
        now,
    )
    session.add(walk)
    emit(session, _published_event(document, walk))
    return document


def _published_event(document: PublicProtocol, walk: Walk) -> ProtocolPublished:
    data: dict[str, Any] = document.model_dump(mode="json")
    return ProtocolPublished.model_validate(
        {
            **{k: data[k] for k in _EVENT_FIELDS},
            "observations": [{"observation_id": o.pop("id"), **o} for o in data["observations"]],
        }
    )


_EVENT_FIELDS = (
    "walk_id",
    "municipality_code",
    "locality",
    "title",
    "conducted_at",
    "light_condition",
    "summary",
    "participants_by_role",
    "published_at",
    "public_url",
    "data_url",
)
