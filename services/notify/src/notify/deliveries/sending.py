"""Transactional sends: another municipal system tells an audience something, through the
same audience resolution, templates, queue and log as events do."""

import uuid
from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.deliveries import service as deliveries
from notify.deliveries.schemas import MessageCreate, MessageRead, StatusCounts
from notify.domain import MessageKind
from notify.errors import InvalidField, MessageNotFound
from notify.messaging import audience, queue
from notify.messaging.models import Message, Notification
from shared import geo, localities
from shared.auth import Principal
from shared.pagination import PageParams, fetch

EVENT_TYPE = "se.trygg.notify.message.requested"


def _area(body: MessageCreate) -> geo.Geometry | None:
    spec = body.audience
    if spec.locality is not None:
        found = localities.find(spec.locality, body.municipality_code)
        if found is None:
            detail = f"{body.municipality_code} has no locality {spec.locality!r}"
            raise InvalidField("/audience/locality", detail)
        return found.area
    if spec.area is None and not spec.stakeholder_keys:
        raise InvalidField("/audience", "give an area, a locality or stakeholder keys")
    return spec.area


async def send(
    session: AsyncSession, principal: Principal, body: MessageCreate, budget: int
) -> Message:
    """The message and its notifications, created in the caller's transaction."""
    principal.require_municipality(body.municipality_code)
    area = _area(body)
    id_ = uuid.uuid4()
    new = queue.NewMessage(
        event_id=f"api:{id_}",
        event_type=EVENT_TYPE,
        kind=MessageKind.DIRECT,
        subject=str(id_),
        payload={"data": body.model_dump(mode="json", exclude={"audience"})},
        topic=body.topic,
        municipality_code=body.municipality_code,
        created_by=principal.subject,
    )
    message_id = await queue.add_message(session, new)
    assert message_id is not None
    reach = audience.Reach(
        municipality_code=body.municipality_code,
        topic=body.topic,
        area=area,
        buffer_m=body.audience.buffer_m,
        responsible_keys=body.audience.stakeholder_keys,
        residents=body.audience.residents,
        area_stakeholders=body.audience.stakeholders_in_area,
    )
    await audience.fan_out(session, message_id, new.event_id, new.subject, reach, budget)
    message = await session.get(Message, message_id)
    assert message is not None
    return message


async def get(session: AsyncSession, principal: Principal, message_id: uuid.UUID) -> Message:
    message = await session.get(Message, message_id)
    if message is None or not (
        message.municipality_code and principal.may_access(message.municipality_code)
    ):
        raise MessageNotFound(f"There is no message {message_id}.")
    return message


async def list_messages(
    session: AsyncSession,
    principal: Principal,
    plan_id: uuid.UUID | None,
    kind: MessageKind | None,
    page: PageParams,
) -> tuple[Sequence[Message], int]:
    statement = select(Message).where(col(Message.municipality_code).in_(principal.municipalities))
    if plan_id is not None:
        statement = statement.where(Message.plan_id == plan_id)
    if kind is not None:
        statement = statement.where(Message.kind == kind)
    ordered = statement.order_by(col(Message.created_at).desc(), col(Message.id))
    return await fetch(session, ordered, page)


async def reads(session: AsyncSession, messages: Sequence[Message]) -> list[MessageRead]:
    """Messages with the counts of their notifications by status and channel."""
    rows = await session.exec(
        select(Notification.message_id, Notification.channel, Notification.status, func.count())
        .where(col(Notification.message_id).in_([m.id for m in messages]))
        .group_by(col(Notification.message_id), col(Notification.channel), col(Notification.status))
    )
    grouped: dict[uuid.UUID, list[tuple[str, str, int]]] = {m.id: [] for m in messages}
    for message_id, channel, status, n in rows:
        grouped[message_id].append((channel, status, n))
    return [_read(m, deliveries.tally(grouped[m.id])) for m in messages]


def _read(message: Message, counts: StatusCounts) -> MessageRead:
    return MessageRead.model_validate({**message.model_dump(), "counts": counts})
