"""Use cases of a walk's participants: the roster, consent, erasure."""

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import idempotency
from shared.auth import Principal
from shared.pagination import PageParams, fetch
from walks.domain import WalkStatus, utcnow
from walks.errors import ParticipantNotFound, WalkStatusConflict
from walks.participants.models import Participant
from walks.participants.schemas import ParticipantCreate
from walks.walks import service as walk_service
from walks.walks.models import Walk


async def add_participant(
    session: AsyncSession, principal: Principal, walk_id: uuid.UUID, body: ParticipantCreate
) -> tuple[Participant, Walk]:
    walk = await walk_service.get_walk(session, principal, walk_id)
    if walk.status not in (WalkStatus.PLANNED, WalkStatus.CONDUCTED):
        raise WalkStatusConflict("The protocol is published; its participants are final.")
    contact = body.contact
    participant = Participant(
        **body.model_dump(exclude={"contact"}),
        walk_id=walk.id,
        contact_consent=contact is not None,
        consent_recorded_at=utcnow() if contact else None,
        email=contact.email if contact else None,
        phone=contact.phone if contact else None,
    )
    session.add(participant)
    await session.flush()
    return participant, walk


async def list_participants(
    session: AsyncSession, principal: Principal, walk_id: uuid.UUID, page: PageParams
) -> tuple[list[Participant], int]:
    await walk_service.get_walk(session, principal, walk_id)
    statement = (
        select(Participant)
        .where(Participant.walk_id == walk_id)
        .order_by(col(Participant.created_at), col(Participant.id))
    )
    rows, total = await fetch(session, statement, page)
    return list(rows), total


async def _participant(
    session: AsyncSession, principal: Principal, walk_id: uuid.UUID, participant_id: uuid.UUID
) -> Participant:
    await walk_service.get_walk(session, principal, walk_id)
    participant = await session.get(Participant, participant_id)
    if participant is None or participant.walk_id != walk_id:
        raise ParticipantNotFound(f"The walk has no participant {participant_id}.")
    return participant


async def withdraw_consent(
    session: AsyncSession, principal: Principal, walk_id: uuid.UUID, participant_id: uuid.UUID
) -> None:
    """Consent withdrawn: the contact details go at once, the participation stays."""
    participant = await _participant(session, principal, walk_id, participant_id)
    participant.contact_consent = False
    participant.consent_recorded_at = None
    participant.email = None
    participant.phone = None
    session.add(participant)
    await idempotency.forget(session, [participant.id])


async def remove_participant(
    session: AsyncSession, principal: Principal, walk_id: uuid.UUID, participant_id: uuid.UUID
) -> None:
    """Erases a participant entirely (a published protocol keeps only counts by role)."""
    participant = await _participant(session, principal, walk_id, participant_id)
    await session.delete(participant)
    await idempotency.forget(session, [participant.id])
