"""Routes of a walk's protocol: its preview, and its publication."""

import uuid

from fastapi import APIRouter

from shared.db import SessionDep
from walks.access import WALK_CHANGE, WALK_TRANSITION, BaseUrl, Publisher, Reader
from walks.protocols import service as protocol
from walks.protocols.schemas import InternalProtocol, ProtocolPublish, PublicProtocol

router = APIRouter(tags=["walks"])


@router.get(
    "/walks/{walk_id}/protocol",
    response_model=InternalProtocol,
    summary="Get a walk's protocol",
    responses=WALK_TRANSITION,
)
async def get_protocol(
    walk_id: uuid.UUID, session: SessionDep, principal: Reader, base: BaseUrl
) -> InternalProtocol:
    """The protocol as published, or a preview of it once the walk is conducted."""
    return await protocol.get_protocol(session, principal, walk_id, base)


@router.post(
    "/walks/{walk_id}/protocol/publish",
    response_model=PublicProtocol,
    summary="Publish a walk's protocol",
    responses=WALK_CHANGE,
)
async def publish_protocol(
    walk_id: uuid.UUID,
    body: ProtocolPublish,
    session: SessionDep,
    principal: Publisher,
    base: BaseUrl,
) -> PublicProtocol:
    """Publish the public protocol of a conducted walk; emits protocol.published."""
    return await protocol.publish_protocol(session, principal, walk_id, body, base)
