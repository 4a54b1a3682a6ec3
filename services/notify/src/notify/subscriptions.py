"""Residents' subscriptions: subscribe (double opt-in), confirm, unsubscribe, erase."""

import json
import uuid
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import text
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify import links, localities, queue
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
from notify.models import Subscription
from notify.schemas import AreaPlace, LocalityPlace, PointPlace, SubscriptionCreate
from shared.geo import Geometry

INSERT = text(
    """
    INSERT INTO subscription (id, email, phone, language, status, place_kind, place, radius_m,
      reach, locality, municipality_code, channels, quiet_start, quiet_end, created_at)
    SELECT :id, :email, :phone, :language, 'pending', :kind, p.g, :radius,
      -- A box around the place and its radius (1% and ~1 m to spare), for the spatial index.
      ST_Expand(ST_Envelope(CASE WHEN :radius > 0
        THEN ST_Buffer(p.g::geography, :radius * 1.01)::geometry ELSE p.g END), 0.00001),
      :locality, :municipality_code, CAST(:channels AS jsonb), :quiet_start, :quiet_end, now()
    FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:place), 4326) AS g) AS p
    """
)
# Erasure keeps delivery statistics: the rows stay, with nothing that leads to the person.
FORGET_NOTIFICATIONS = text(
    """
    WITH forgotten AS (
      UPDATE notification SET address = NULL, recipient_id = NULL, last_error = NULL,
        status = CASE WHEN next_attempt_at IS NOT NULL AND status <> 'sending'
                      THEN 'cancelled' ELSE status END,
        next_attempt_at = NULL, updated_at = now()
      WHERE recipient_id = ANY(CAST(:ids AS uuid[])) OR address = ANY(CAST(:addresses AS text[]))
      RETURNING id)
    UPDATE delivery_attempt SET detail = NULL, provider_ref = NULL
    WHERE notification_id IN (SELECT id FROM forgotten)
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
        raise InvalidField("#body/email", "give an email address, a phone number, or both")
    for topic, channel in body.topics.items():
        if channel == Channel.EMAIL and body.email is None:
            raise InvalidField(f"#body/topics/{topic}", "email needs an email address")
        if channel == Channel.SMS and body.phone is None:
            raise InvalidField(f"#body/topics/{topic}", "sms needs a phone number")


def _place(body: SubscriptionCreate) -> dict[str, object]:
    place = body.place
    geometry: Geometry
    if isinstance(place, PointPlace):
        geometry, radius, name, municipality = place.center, place.radius_m, None, None
    elif isinstance(place, AreaPlace):
        geometry, radius, name, municipality = place.polygon, 0, None, None
    else:
        assert isinstance(place, LocalityPlace)
        found = localities.find(place.name, place.municipality_code)
        if found is None:
            raise InvalidField("#body/place/name", f"there is no locality {place.name!r}")
        geometry, radius, name, municipality = found.area, 0, found.name, found.municipality_code
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
) -> uuid.UUID:
    """A pending subscription, and its confirmation message on its way through the queue."""
    _check_contacts(body)
    id_ = uuid.uuid4()
    email = normal_email(body.email) if body.email else None
    phone = normal_phone(body.phone) if body.phone else None
    quiet = body.quiet_hours.times() if body.quiet_hours else None
    conn = await session.connection()
    await conn.execute(
        INSERT,
        {
            "id": id_,
            "email": email,
            "phone": phone,
            "language": body.language.value,
            "channels": json.dumps({t.value: c.value for t, c in body.topics.items()}),
            "quiet_start": quiet[0] if quiet else None,
            "quiet_end": quiet[1] if quiet else None,
            **_place(body),
        },
    )
    await _send_confirmation(session, id_, email, phone, body.language.value, dispatch)
    return id_


async def _send_confirmation(
    session: AsyncSession,
    id_: uuid.UUID,
    email: str | None,
    phone: str | None,
    language: str,
    dispatch: DispatcherSettings,
) -> None:
    """The confirmation link goes out like any other message: queued, retried, logged."""
    message_id = await queue.add_message(
        session,
        queue.NewMessage(
            event_id=f"confirmation:{id_}",
            event_type="confirmation",
            kind=MessageKind.CONFIRMATION,
            subject=str(id_),
            payload={},
        ),
    )
    assert message_id is not None
    channel, address = (Channel.EMAIL, email) if email else (Channel.SMS, phone)
    assert address is not None
    await queue.add_notification(
        session,
        message_id,
        recipient_kind=RecipientKind.RESIDENT,
        recipient_id=id_,
        channel=channel,
        address=address,
        language=language,
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
    if subscription is None:
        return Confirmation.UNKNOWN, None
    if subscription.status != SubscriptionStatus.PENDING:
        return Confirmation.ALREADY, subscription
    if utcnow() - subscription.created_at > timedelta(days=public.confirm_within_days):
        return Confirmation.EXPIRED, subscription
    subscription.status = SubscriptionStatus.CONFIRMED
    subscription.confirmed_at = utcnow()
    session.add(subscription)
    return Confirmation.CONFIRMED, subscription


async def unsubscribe(
    session: AsyncSession, public: PublicSettings, token: str
) -> Subscription | None:
    """Stops every message of the subscription at once, queued ones included."""
    subscription = await _by_token(session, public, links.Purpose.MANAGE, token)
    if subscription is None:
        return None
    if subscription.status != SubscriptionStatus.UNSUBSCRIBED:
        subscription.status = SubscriptionStatus.UNSUBSCRIBED
        subscription.unsubscribed_at = utcnow()
        session.add(subscription)
    await queue.cancel_queued(session, [subscription.id], "unsubscribed")
    return subscription


async def erase(session: AsyncSession, public: PublicSettings, token: str) -> str | None:
    """Erase every subscription of the person (by email or phone) and every address of theirs
    in the delivery log. Returns the language to answer in, or None for an unknown token."""
    subscription = await _by_token(session, public, links.Purpose.MANAGE, token)
    if subscription is None:
        return None
    await erase_person(session, subscription.email, subscription.phone)
    return subscription.language


async def erase_person(session: AsyncSession, email: str | None, phone: str | None) -> int:
    addresses = [a for a in (email, phone) if a is not None]
    ids = await session.exec(
        select(Subscription.id).where(
            or_(col(Subscription.email).in_(addresses), col(Subscription.phone).in_(addresses))
        )
    )
    return await forget(session, list(ids), addresses)


async def forget(session: AsyncSession, ids: list[uuid.UUID], addresses: list[str]) -> int:
    """Delete the subscriptions, and these subscriptions and addresses from the delivery log."""
    conn = await session.connection()
    await conn.execute(FORGET_NOTIFICATIONS, {"ids": ids, "addresses": addresses})
    await conn.execute(DELETE, {"ids": ids})
    return len(ids)
