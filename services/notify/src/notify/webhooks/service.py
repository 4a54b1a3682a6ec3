"""Use cases of integrators' webhooks: register (target vetted), list, remove."""

import uuid
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify import netguard
from notify.config import WebhookSettings
from notify.errors import WebhookNotFound, WebhookTargetRefused
from notify.messaging import queue
from notify.messaging.channels.webhook import new_secret
from notify.webhooks.models import Webhook
from notify.webhooks.schemas import WebhookCreate
from shared import idempotency
from shared.auth import Principal
from shared.pagination import PageParams, fetch


async def register(
    session: AsyncSession, principal: Principal, body: WebhookCreate, settings: WebhookSettings
) -> Webhook:
    """A webhook whose target resolves to public addresses only; its secret is new."""
    principal.require_municipality(body.municipality_code)
    url = str(body.url)
    try:
        await netguard.vet(
            url, settings.schemes, netguard.parse_networks(settings.allow_private_networks)
        )
    except netguard.TargetRefused as exc:
        raise WebhookTargetRefused("/url", f"The webhook URL is refused: {exc}.") from None
    webhook = Webhook(
        municipality_code=body.municipality_code,
        url=url,
        event_types=sorted(set(body.event_types)),
        description=body.description,
        secret=new_secret(),
        created_by=principal.subject,
    )
    session.add(webhook)
    await session.flush()
    return webhook


async def get(session: AsyncSession, principal: Principal, webhook_id: uuid.UUID) -> Webhook:
    webhook = await session.get(Webhook, webhook_id)
    if webhook is None or not principal.may_access(webhook.municipality_code):
        raise WebhookNotFound(f"There is no webhook {webhook_id}.")
    return webhook


async def list_webhooks(
    session: AsyncSession, principal: Principal, municipality: str | None, page: PageParams
) -> tuple[Sequence[Webhook], int]:
    statement = select(Webhook).where(col(Webhook.municipality_code).in_(principal.municipalities))
    if municipality:
        statement = statement.where(Webhook.municipality_code == municipality)
    return await fetch(session, statement.order_by(col(Webhook.created_at), col(Webhook.id)), page)


async def remove(session: AsyncSession, principal: Principal, webhook_id: uuid.UUID) -> None:
    webhook = await get(session, principal, webhook_id)
    await queue.cancel_queued(session, [webhook.id], "webhook removed")
    # A replay of its registration would hand back the secret of a webhook that is gone.
    await idempotency.forget(session, [webhook.id])
    await session.delete(webhook)
