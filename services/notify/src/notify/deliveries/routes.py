"""Routes of the delivery log and of transactional sends (staff and municipal systems)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from notify.access import KEYED, LISTED, Reader, Writer
from notify.config import SettingsDep
from notify.deliveries import direct, sending
from notify.deliveries import service as deliveries
from notify.deliveries.schemas import (
    DirectMessageCreate,
    MessageCreate,
    MessagePage,
    MessageRead,
    NotificationDetail,
    NotificationPage,
    NotificationRead,
    StatusCounts,
)
from notify.domain import Channel, MessageKind, RecipientKind, Status, normal_email, normal_phone
from notify.errors import MessageNotFound, NotificationNotFound, NotResendable
from shared import idempotency, location
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.location import Locator
from shared.pagination import PageDep, page_of
from shared.problems import InvalidInput, field_error, in_query, problem_responses

MESSAGE = Locator("get_message", {"message_id": "id"})
router = APIRouter(tags=["deliveries"])

# 400: a body that is not JSON; 413: one over the size cap.
ON_NOTIFICATION = {**LISTED, **problem_responses(NotificationNotFound)}
ON_MESSAGE = {**LISTED, **problem_responses(MessageNotFound)}


def notification_filter(
    municipality: Annotated[str | None, Query(pattern=r"^[0-9]{4}$")] = None,
    plan_id: uuid.UUID | None = None,
    message_id: uuid.UUID | None = None,
    status: Status | None = None,
    channel: Channel | None = None,
    recipient_kind: RecipientKind | None = None,
    recipient_id: uuid.UUID | None = None,
    stakeholder_id: uuid.UUID | None = None,
    address: Annotated[
        str | None,
        Query(
            max_length=254,
            pattern=r"^[^\x00\s]+$",
            description="An email address or phone number, to find one person's deliveries.",
        ),
    ] = None,
) -> deliveries.NotificationFilter:
    if address is not None:
        try:
            address = normal_email(address) if "@" in address else normal_phone(address)
        except ValueError as error:
            # A domain with no IDNA form (a label over 63 characters, a forbidden character) or
            # a number no one can have: no address it could stand for was ever stored.
            detail = (
                "the domain is not a valid internet domain name"
                if isinstance(error, UnicodeError)
                else str(error)
            )
            raise InvalidInput(
                "The address is not valid.",
                errors=[field_error(detail, in_query("address"))],
            ) from None
    return deliveries.NotificationFilter(
        municipality,
        plan_id,
        message_id,
        status,
        channel,
        recipient_kind,
        recipient_id,
        stakeholder_id,
        address,
    )


Where = Annotated[deliveries.NotificationFilter, Depends(notification_filter)]


@router.get(
    "/notifications",
    response_model=NotificationPage,
    summary="List notifications (the delivery log)",
    responses=LISTED,
)
async def list_notifications(
    session: SessionDep, principal: Reader, page: PageDep, where: Where
) -> NotificationPage:
    """Notifications per plan, message or recipient, oldest first, with where each stands."""
    rows, total = await deliveries.list_notifications(session, principal, where, page)
    return page_of(rows, page, total)


@router.get(
    "/notifications/counts",
    response_model=StatusCounts,
    summary="Count notifications by status",
    responses=LISTED,
)
async def count_notifications(session: SessionDep, principal: Reader, where: Where) -> StatusCounts:
    """How many of the matching notifications have each status, per channel too."""
    return await deliveries.counts(session, principal, where)


@router.get(
    "/notifications/{notification_id}",
    response_model=NotificationDetail,
    summary="Get a notification and its attempts",
    responses=ON_NOTIFICATION,
)
async def get_notification(
    notification_id: uuid.UUID, session: SessionDep, principal: Reader
) -> NotificationDetail:
    """One notification with every delivery attempt made."""
    return await deliveries.detail(session, principal, notification_id)


@router.post(
    "/notifications/{notification_id}/resend",
    response_model=NotificationRead,
    summary="Send a notification again",
    responses={**ON_NOTIFICATION, **problem_responses(NotResendable)},
)
async def resend_notification(
    notification_id: uuid.UUID, session: SessionDep, principal: Writer, settings: SettingsDep
) -> NotificationRead:
    """Queue a finished notification again, with a fresh budget of attempts."""
    budget = settings.dispatcher.max_attempts
    await deliveries.resend(session, principal, notification_id, budget)
    return (await deliveries.detail(session, principal, notification_id)).model_copy()


@router.post(
    "/messages",
    status_code=201,
    response_model=MessageRead,
    summary="Send a message to an audience",
    responses={**KEYED, **location.CREATED},
)
async def send_message(
    body: MessageCreate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Tell the residents and organisations of an area, or named organisations, something."""

    async def create() -> idempotency.Created:
        budget = settings.dispatcher.max_attempts
        message = await sending.send(session, principal, body, budget)
        read = (await sending.reads(session, [message]))[0]
        return idempotency.Created(read, body.municipality_code, [message.id])

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=MESSAGE,
    )


# Not under /messages/: a path there would also match GET /messages/{message_id}.
@router.post(
    "/direct-messages",
    status_code=201,
    response_model=MessageRead,
    summary="Send a message to one person",
    responses={**KEYED, **location.CREATED},
)
async def send_direct_message(
    body: DirectMessageCreate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Answer someone who asked the calling system to hear back, by email, SMS or both."""

    async def create() -> idempotency.Created:
        budget = settings.dispatcher.max_attempts
        message = await direct.send_direct(session, principal, body, budget)
        read = (await sending.reads(session, [message]))[0]
        return idempotency.Created(read, body.municipality_code, [message.id])

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=MESSAGE,
    )


@router.get("/messages", response_model=MessagePage, summary="List messages", responses=LISTED)
async def list_messages(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    plan_id: uuid.UUID | None = None,
    kind: MessageKind | None = None,
) -> MessagePage:
    """Messages of the token's municipalities, newest first, with their delivery counts."""
    rows, total = await sending.list_messages(session, principal, plan_id, kind, page)
    return page_of(await sending.reads(session, rows), page, total)


@router.get(
    "/messages/{message_id}",
    response_model=MessageRead,
    summary="Get a message",
    responses=ON_MESSAGE,
)
async def get_message(message_id: uuid.UUID, session: SessionDep, principal: Reader) -> MessageRead:
    """One message with the counts of its notifications by status and channel."""
    message = await sending.get(session, principal, message_id)
    return (await sending.reads(session, [message]))[0]
