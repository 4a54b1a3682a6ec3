"""Use cases of the stakeholder directory: organisations, their areas and their contacts."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.directory.models import Stakeholder, StakeholderContact
from notify.directory.schemas import (
    ContactCreate,
    ContactRead,
    StakeholderChange,
    StakeholderCreate,
    StakeholderRead,
)
from notify.domain import Channel, key_problem, normal_email, normal_phone, utcnow
from notify.errors import ContactNotFound, InvalidField, StakeholderKeyTaken, StakeholderNotFound
from notify.messaging import queue
from shared import geo, idempotency
from shared.auth import Principal
from shared.pagination import PageParams, fetch


@dataclass(frozen=True)
class StakeholderFilter:
    municipality: str | None = None
    kind: str | None = None
    key: str | None = None
    category: str | None = None


def _check_contact(contact: ContactCreate, pointer: str) -> None:
    if contact.channel == Channel.EMAIL and contact.email is None:
        raise InvalidField(f"{pointer}/email", "the email channel needs an email address")
    if contact.channel == Channel.SMS and contact.phone is None:
        raise InvalidField(f"{pointer}/phone", "the sms channel needs a phone number")


def _contact(stakeholder_id: uuid.UUID, body: ContactCreate) -> StakeholderContact:
    return StakeholderContact(
        stakeholder_id=stakeholder_id,
        name=body.name,
        role=body.role,
        email=normal_email(body.email) if body.email else None,
        phone=normal_phone(body.phone) if body.phone else None,
        channel=body.channel.value,
        topics=[t.value for t in body.topics],
    )


async def create(
    session: AsyncSession, principal: Principal, body: StakeholderCreate
) -> Stakeholder:
    principal.require_municipality(body.municipality_code)
    if problem := key_problem(body.key, body.municipality_code):
        raise InvalidField("/key", problem)
    for i, contact in enumerate(body.contacts):
        _check_contact(contact, f"/contacts/{i}")
    taken = await session.exec(
        select(Stakeholder.id).where(
            Stakeholder.municipality_code == body.municipality_code, Stakeholder.key == body.key
        )
    )
    if taken.first() is not None:
        raise StakeholderKeyTaken(f"{body.municipality_code} already has {body.key}.")
    stakeholder = Stakeholder(
        **body.model_dump(exclude={"contacts", "area"}),
        area=geo.to_db(geo.MultiPolygon.of(body.area)) if body.area else None,
        created_by=principal.subject,
    )
    session.add(stakeholder)
    await session.flush()
    for contact in body.contacts:
        session.add(_contact(stakeholder.id, contact))
    await session.flush()
    return stakeholder


async def get(
    session: AsyncSession, principal: Principal, stakeholder_id: uuid.UUID, *, lock: bool = False
) -> Stakeholder:
    """The stakeholder, if the caller's municipalities cover it; otherwise it does not exist."""
    statement = select(Stakeholder).where(Stakeholder.id == stakeholder_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    stakeholder = (await session.exec(statement)).first()
    if stakeholder is None or not principal.may_access(stakeholder.municipality_code):
        raise StakeholderNotFound(f"There is no stakeholder {stakeholder_id}.")
    return stakeholder


async def list_stakeholders(
    session: AsyncSession, principal: Principal, where: StakeholderFilter, page: PageParams
) -> tuple[Sequence[Stakeholder], int]:
    statement = select(Stakeholder).where(
        col(Stakeholder.municipality_code).in_(principal.municipalities)
    )
    if where.municipality:
        statement = statement.where(Stakeholder.municipality_code == where.municipality)
    if where.kind:
        statement = statement.where(Stakeholder.kind == where.kind)
    if where.key:
        statement = statement.where(Stakeholder.key == where.key)
    if where.category:
        statement = statement.where(col(Stakeholder.categories).contains([where.category]))
    return await fetch(
        session, statement.order_by(col(Stakeholder.name), col(Stakeholder.id)), page
    )


async def change(
    session: AsyncSession, principal: Principal, stakeholder_id: uuid.UUID, body: StakeholderChange
) -> Stakeholder:
    stakeholder = await get(session, principal, stakeholder_id, lock=True)
    changes = body.model_dump(exclude_unset=True, exclude={"area"})
    if "area" in body.model_fields_set:
        changes["area"] = geo.to_db(geo.MultiPolygon.of(body.area)) if body.area else None
    for name, value in changes.items():
        setattr(stakeholder, name, value)
    stakeholder.updated_at = utcnow()
    session.add(stakeholder)
    return stakeholder


async def delete(session: AsyncSession, principal: Principal, stakeholder_id: uuid.UUID) -> None:
    stakeholder = await get(session, principal, stakeholder_id, lock=True)
    contacts = await contacts_of(session, [stakeholder.id])
    await _forget_contacts(session, contacts[stakeholder.id])
    await idempotency.forget(session, [stakeholder.id])
    await session.delete(stakeholder)


async def add_contact(
    session: AsyncSession, principal: Principal, stakeholder_id: uuid.UUID, body: ContactCreate
) -> StakeholderContact:
    stakeholder = await get(session, principal, stakeholder_id, lock=True)
    _check_contact(body, "")
    contact = _contact(stakeholder.id, body)
    session.add(contact)
    await session.flush()
    return contact


async def remove_contact(
    session: AsyncSession,
    principal: Principal,
    stakeholder_id: uuid.UUID,
    contact_id: uuid.UUID,
) -> None:
    stakeholder = await get(session, principal, stakeholder_id, lock=True)
    statement = select(StakeholderContact).where(
        StakeholderContact.id == contact_id, StakeholderContact.stakeholder_id == stakeholder.id
    )
    contact = (await session.exec(statement)).first()
    if contact is None:
        raise ContactNotFound(f"There is no contact {contact_id} of {stakeholder_id}.")
    await _forget_contacts(session, [contact])
    await session.delete(contact)


async def _forget_contacts(session: AsyncSession, contacts: list[StakeholderContact]) -> None:
    """A removed contact leaves no address or name behind: not in the delivery log (what was
    queued is cancelled), not in stored responses."""
    ids = [c.id for c in contacts]
    await queue.forget_recipients(session, ids, addresses=[])
    await idempotency.forget(session, ids)


async def contacts_of(
    session: AsyncSession, stakeholder_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[StakeholderContact]]:
    rows = await session.exec(
        select(StakeholderContact)
        .where(col(StakeholderContact.stakeholder_id).in_(stakeholder_ids))
        .order_by(col(StakeholderContact.created_at), col(StakeholderContact.id))
    )
    grouped: dict[uuid.UUID, list[StakeholderContact]] = defaultdict(list)
    for contact in rows:
        grouped[contact.stakeholder_id].append(contact)
    return grouped


def read(stakeholder: Stakeholder, contacts: list[StakeholderContact]) -> StakeholderRead:
    return StakeholderRead.model_validate(
        {
            **stakeholder.model_dump(),
            "contacts": [ContactRead.model_validate(c.model_dump()) for c in contacts],
        }
    )


async def reads(session: AsyncSession, rows: Sequence[Stakeholder]) -> list[StakeholderRead]:
    contacts = await contacts_of(session, [s.id for s in rows])
    return [read(s, contacts[s.id]) for s in rows]


async def opt_out(session: AsyncSession, contact_id: uuid.UUID) -> StakeholderContact | None:
    """The contact's own one-click stop, from the link in every message it gets."""
    contact = await session.get(StakeholderContact, contact_id)
    if contact is None:
        return None
    if contact.opted_out_at is None:
        contact.opted_out_at = utcnow()
        session.add(contact)
    await queue.cancel_queued(session, [contact.id], "opted out")
    return contact
