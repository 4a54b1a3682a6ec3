"""Residents' subscriptions: subscribe (double opt-in), confirm, unsubscribe, erase."""

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import text
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify import links
from notify.config import DispatcherSettings, PublicSettings
from notify.domain import (
    Channel,
    MessageKind,
    RecipientKind,
    SubscriptionStatus,
    normal_email,
    normal_phone,
    utcnow,
)
from notify.errors import InvalidField
from notify.messaging import queue
from notify.subscriptions.models import Subscription
from notify.subscriptions.schemas import AreaPlace, LocalityPlace, PointPlace, SubscriptionCreate
from shared import idempotency, localities
from shared.geo import Geometry

# A second subscribe for the same person, place and municipality is the same subscription:
# a pending or unsubscribed one starts over (and its confirmation is sent again), a confirmed
# one is left as it is and returns no row. The conflict target is the unique identity index.
# Written as SQL: the place is built and widened in PostGIS in the same statement, and an
# expression index as conflict target is plainer here than in the expression language.
UPSERT = text(
    """
    INSERT INTO subscription (id, email, phone, language, status, place_kind, place, radius_m,
      reach, locality, municipality_code, channels, quiet_start, quiet_end, created_at)
    SELECT :id, :email, :phone, :language, 'pending', :kind, p.g, :radius,
      -- A box around the place and its radius (1% and ~1 m to spare), for the spatial index.
      ST_Expand(ST_Envelope(CASE WHEN :radius > 0
        THEN ST_Buffer(p.g::geography, :radius * 1.01)::geometry ELSE p.g END), 0.00001),
      :locality, :municipality_code, CAST(:channels AS jsonb), :quiet_start, :quiet_end, now()
    FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:place), 4326) AS g) AS p
    ON CONFLICT (coalesce(municipality_code, ''), coalesce(email, ''), coalesce(phone, ''),
                 place_kind, radius_m, md5(ST_AsEWKB(place)))
    DO UPDATE SET status = 'pending', language = EXCLUDED.language,
      channels = EXCLUDED.channels, quiet_start = EXCLUDED.quiet_start,
      quiet_end = EXCLUDED.quiet_end, created_at = now(), confirmed_at = NULL,
      unsubscribed_at = NULL
    WHERE subscription.status <> 'confirmed'
    RETURNING id
    """
)
# Confirmation messages one address got lately, whoever asked for them and from where.
CONFIRMATIONS_SENT = text(
    """
    SELECT count(*) FROM notification n JOIN message m ON m.id = n.message_id
    WHERE n.address = :address AND m.kind = 'confirmation'
      AND n.created_at > now() - interval '1 day'
    """
)
# Subscribes for one address wait for each other, so the cap above cannot be raced.
LOCK_ADDRESS = text("SELECT pg_advisory_xact_lock(hashtext('confirm:' || :address))")
OPT_OUT_CONTACTS = text(
    """
    UPDATE stakeholder_contact SET opted_out_at = coalesce(opted_out_at, now())
    WHERE email = ANY(CAST(:addresses AS text[])) OR phone = ANY(CAST(:addresses AS text[]))
    RETURNING id
    """
)
DELETE_CONTACTS = text(
    """
    DELETE FROM stakeholder_contact
    WHERE email = ANY(CAST(:addresses AS text[])) OR phone = ANY(CAST(:addresses AS text[]))
    RETURNING id
    """
)
DELETE = text("DELETE FROM subscription WHERE id = ANY(CAST(:ids AS uuid[]))")


class Confirmation(StrEnum):
    CONFIRMED = "confirmed"
    ALREADY = "already"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


def _check_contacts(body: SubscriptionCreate) -> None:
    if body.email is None and body.phone is None:
        raise InvalidField("/email", "give an email address, a phone number, or both")
    for topic, channel in body.topics.items():
        if channel == Channel.EMAIL and body.email is None:
            raise InvalidField(f"/topics/{topic}", "email needs an email address")
        if channel == Channel.SMS and body.phone is None:
            raise InvalidField(f"/topics/{topic}", "sms needs a phone number")


def _municipality(body: SubscriptionCreate) -> str:
    """The one municipality the resident gives consent to: named, or the locality's."""
    place = body.place
    if isinstance(place, LocalityPlace):
        named = {c for c in (body.municipality_code, place.municipality_code) if c}
        if len(named) > 1:
            detail = "the place's municipality differs from the subscription's"
            raise InvalidField("/place/municipality_code", detail)
        found = localities.find(place.name, next(iter(named), None))
        if found is None:
            raise InvalidField("/place/name", f"there is no locality {place.name!r}")
        return found.municipality_code
    if body.municipality_code is None:
        detail = "name the municipality whose messages you want (a four-digit code)"
        raise InvalidField("/municipality_code", detail)
    return body.municipality_code


def _place(body: SubscriptionCreate, municipality: str) -> dict[str, object]:
    place = body.place
    geometry: Geometry
    if isinstance(place, PointPlace):
        geometry, radius, name = place.center, place.radius_m, None
    elif isinstance(place, AreaPlace):
        geometry, radius, name = place.polygon, 0, None
    else:
        assert isinstance(place, LocalityPlace)
        found = localities.find(place.name, municipality)
        assert found is not None  # checked by _municipality
        geometry, radius, name = found.area, 0, found.name
    return {
        "kind": place.kind,
        "place": geometry.model_dump_json(),
        "radius": radius,
        "locality": name,
        "municipality_code": municipality,
    }


async def subscribe(
    session: AsyncSession,
    body: SubscriptionCreate,
    dispatch: DispatcherSettings,
    public: PublicSettings,
) -> uuid.UUID | None:
    """A pending subscription, and its confirmation message on its way through the queue.

    The same person and place again is the same subscription: still pending, its confirmation
    goes again; confirmed, nothing changes (None). Confirmation messages to one address are
    capped per day, whoever asks, so the form cannot be used to flood someone's inbox."""
    _check_contacts(body)
    municipality = _municipality(body)
    email = normal_email(body.email) if body.email else None
    phone = normal_phone(body.phone) if body.phone else None
    id_ = await _upsert(session, body, municipality, email, phone)
    if id_ is None:
        return None
    channel, address = (Channel.EMAIL, email) if email else (Channel.SMS, phone)
    assert address is not None
    recipient = _Recipient(id_, municipality, channel, address, body.language.value)
    if await _may_confirm(session, address, public):
        await _send_confirmation(session, recipient, dispatch)
    return id_


async def _upsert(
    session: AsyncSession,
    body: SubscriptionCreate,
    municipality: str,
    email: str | None,
    phone: str | None,
) -> uuid.UUID | None:
    """The subscription's id when it is new or waits for confirmation again; None when it
    exists and is confirmed."""
    quiet = body.quiet_hours.times() if body.quiet_hours else None
    params = {
        "id": uuid.uuid4(),
        "email": email,
        "phone": phone,
        "language": body.language.value,
        "channels": json.dumps({t.value: c.value for t, c in body.topics.items()}),
        "quiet_start": quiet[0] if quiet else None,
        "quiet_end": quiet[1] if quiet else None,
        **_place(body, municipality),
    }
    conn = await session.connection()
    row = (await conn.execute(UPSERT, params)).first()
    return None if row is None else uuid.UUID(str(row.id))


async def _may_confirm(session: AsyncSession, address: str, public: PublicSettings) -> bool:
    conn = await session.connection()
    await conn.execute(LOCK_ADDRESS, {"address": address})
    sent = (await conn.execute(CONFIRMATIONS_SENT, {"address": address})).scalar_one()
    return int(sent) < public.confirmations_per_address_per_day


@dataclass(frozen=True)
class _Recipient:
    subscription_id: uuid.UUID
    municipality_code: str
    channel: Channel
    address: str
    language: str


async def _send_confirmation(
    session: AsyncSession, recipient: _Recipient, dispatch: DispatcherSettings
) -> None:
    """The confirmation link goes out like any other message: queued, retried, logged."""
    new = queue.NewMessage(
        # One message per send: a confirmation sent again is a message of its own.
        event_id=f"confirmation:{recipient.subscription_id}:{uuid.uuid4()}",
        event_type="confirmation",
        kind=MessageKind.CONFIRMATION,
        subject=str(recipient.subscription_id),
        payload={},
        municipality_code=recipient.municipality_code,
    )
    message_id = await queue.add_message(session, new)
    assert message_id is not None
    await queue.add_notification(
        session,
        message_id,
        new,
        recipient_kind=RecipientKind.RESIDENT,
        recipient_id=recipient.subscription_id,
        channel=recipient.channel,
        address=recipient.address,
        language=recipient.language,
        budget=dispatch.max_attempts,
    )


async def _by_token(
    session: AsyncSession, public: PublicSettings, purpose: links.Purpose, token: str
) -> Subscription | None:
    id_ = links.read(public.link_secret.get_secret_value(), purpose, token)
    if id_ is None:
        return None
    statement = (
        select(Subscription)
        .where(Subscription.id == id_)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).first()


async def confirm(
    session: AsyncSession, public: PublicSettings, token: str
) -> tuple[Confirmation, Subscription | None]:
    subscription = await _by_token(session, public, links.Purpose.CONFIRM, token)
    state = confirmation_state(subscription, public)
    if state != Confirmation.CONFIRMED or subscription is None:
        return state, subscription
    subscription.status = SubscriptionStatus.CONFIRMED
    subscription.confirmed_at = utcnow()
    session.add(subscription)
    return Confirmation.CONFIRMED, subscription


async def unsubscribe(
    session: AsyncSession, public: PublicSettings, token: str
) -> Subscription | None:
    """Stops every message of this one subscription at once, queued ones included; the
    person's other subscriptions go on (the page after says which)."""
    subscription = await _by_token(session, public, links.Purpose.MANAGE, token)
    if subscription is None:
        return None
    await _stop(session, [subscription])
    return subscription


async def unsubscribe_everything(
    session: AsyncSession, public: PublicSettings, token: str
) -> Subscription | None:
    """Stops every message to the person the link was sent to (by email and phone): all their
    subscriptions, and the messages they get as an organisation's contact."""
    subscription = await _by_token(session, public, links.Purpose.MANAGE, token)
    if subscription is None:
        return None
    await _stop(session, [subscription, *await others(session, subscription)])
    addresses = [a for a in (subscription.email, subscription.phone) if a is not None]
    conn = await session.connection()
    contacts = list((await conn.execute(OPT_OUT_CONTACTS, {"addresses": addresses})).scalars())
    await queue.cancel_queued(session, contacts, "opted out")
    return subscription


async def _stop(session: AsyncSession, stopping: list[Subscription]) -> None:
    for subscription in stopping:
        if subscription.status != SubscriptionStatus.UNSUBSCRIBED:
            subscription.status = SubscriptionStatus.UNSUBSCRIBED
            subscription.unsubscribed_at = utcnow()
            session.add(subscription)
    await queue.cancel_queued(session, [s.id for s in stopping], "unsubscribed")


async def peek(
    session: AsyncSession, public: PublicSettings, purpose: links.Purpose, token: str
) -> Subscription | None:
    """The subscription a link is for, read without changing anything (link scanners in
    mail systems open every link; only a POST from the page's button acts)."""
    id_ = links.read(public.link_secret.get_secret_value(), purpose, token)
    return None if id_ is None else await session.get(Subscription, id_)


def confirmation_state(subscription: Subscription | None, public: PublicSettings) -> Confirmation:
    """What confirming would do now; CONFIRMED means it still can."""
    if subscription is None:
        return Confirmation.UNKNOWN
    if subscription.status != SubscriptionStatus.PENDING:
        return Confirmation.ALREADY
    if utcnow() - subscription.created_at > timedelta(days=public.confirm_within_days):
        return Confirmation.EXPIRED
    return Confirmation.CONFIRMED


async def others(session: AsyncSession, subscription: Subscription) -> list[Subscription]:
    """The person's other subscriptions that still send (pending or confirmed), by the same
    email address or phone number, oldest first."""
    addresses = [a for a in (subscription.email, subscription.phone) if a is not None]
    statement = (
        select(Subscription)
        .where(
            or_(col(Subscription.email).in_(addresses), col(Subscription.phone).in_(addresses)),
            Subscription.id != subscription.id,
            Subscription.status != SubscriptionStatus.UNSUBSCRIBED,
        )
        .order_by(col(Subscription.created_at), col(Subscription.id))
    )
    return list(await session.exec(statement))


async def erase(session: AsyncSession, public: PublicSettings, token: str) -> str | None:
    """Erase every subscription of the person (by email or phone) and every address of theirs
    in the delivery log. Returns the language to answer in, or None for an unknown token."""
    subscription = await _by_token(session, public, links.Purpose.MANAGE, token)
    if subscription is None:
        return None
    await erase_person(session, subscription.email, subscription.phone)
    return subscription.language


async def erase_person(session: AsyncSession, email: str | None, phone: str | None) -> int:
    """Everything held about the person: their subscriptions, their addresses in the delivery
    log, and their entries as an organisation's contact (with the stored responses that hold
    them). Returns how many subscriptions went."""
    addresses = [a for a in (email, phone) if a is not None]
    ids = await session.exec(
        select(Subscription.id).where(
            or_(col(Subscription.email).in_(addresses), col(Subscription.phone).in_(addresses))
        )
    )
    conn = await session.connection()
    contacts = list((await conn.execute(DELETE_CONTACTS, {"addresses": addresses})).scalars())
    await idempotency.forget(session, contacts)
    return await forget(session, list(ids), addresses)


async def forget(session: AsyncSession, ids: list[uuid.UUID], addresses: list[str]) -> int:
    """Delete the subscriptions, and these subscriptions and addresses from the delivery log."""
    await queue.forget_recipients(session, ids, addresses)
    conn = await session.connection()
    await conn.execute(DELETE, {"ids": ids})
    return len(ids)
