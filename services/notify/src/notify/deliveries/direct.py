"""Messages to one person: another municipal system answers someone who asked it to hear back
(a tipster's acknowledgement, a closing message).

Such a message is transactional. It needs no subscription or topic, reaches no audience and no
feed, and carries no unsubscribe link: the person asked for this one answer. The address is
kept where every address is, on the notification (masked in the log, cleared by erasure), and
never in the message, its events or the service log.
"""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from notify.deliveries.schemas import DirectMessageCreate
from notify.domain import (
    Channel,
    MessageKind,
    RecipientKind,
    normal_email,
    normal_phone,
)
from notify.messaging import queue
from notify.messaging.models import Message
from shared.auth import Principal

EVENT_TYPE = "se.trygg.notify.direct_message.requested"


def addresses(body: DirectMessageCreate) -> dict[Channel, str]:
    """Where the message goes, per channel, in the form the channels and the log use."""
    found: dict[Channel, str] = {}
    if body.email is not None:
        found[Channel.EMAIL] = normal_email(body.email)
    if body.phone is not None:
        found[Channel.SMS] = normal_phone(body.phone)
    return found


async def send_direct(
    session: AsyncSession, principal: Principal, body: DirectMessageCreate, budget: int
) -> Message:
    """The message and one notification per channel, created in the caller's transaction."""
    principal.require_municipality(body.municipality_code)
    id_ = uuid.uuid4()
    new = queue.NewMessage(
        event_id=f"api:{id_}",
        event_type=EVENT_TYPE,
        kind=MessageKind.TRANSACTIONAL,
        subject=str(id_),
        payload={"data": body.model_dump(mode="json", exclude={"email", "phone"})},
        municipality_code=body.municipality_code,
        created_by=principal.subject,
    )
    message_id = await queue.add_message(session, new)
    assert message_id is not None  # a fresh event id: no message can hold it yet
    # A resident by kind, with no recipient record: nothing about them is kept but the address
    # of each notification, and no quiet hours hold back an answer they are waiting for.
    for channel, address in addresses(body).items():
        await queue.add_notification(
            session,
            message_id,
            new,
            recipient_kind=RecipientKind.RESIDENT,
            recipient_id=None,
            channel=channel,
            address=address,
            language=body.language.value,
            budget=budget,
        )
    await session.flush()
    message = await session.get(Message, message_id)
    assert message is not None
    return message
