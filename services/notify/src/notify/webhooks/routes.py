"""Routes of integrators' webhooks (staff)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from notify.access import KEYED, LISTED, Reader, Writer
from notify.config import SettingsDep
from notify.errors import WebhookNotFound, WebhookTargetRefused
from notify.webhooks import service as webhooks
from notify.webhooks.schemas import WebhookCreate, WebhookCreated, WebhookPage, WebhookRead
from shared import idempotency, location
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.location import Locator
from shared.pagination import PageDep, page_of
from shared.problems import problem_responses

router = APIRouter(tags=["webhooks"])

# 400: a body that is not JSON; 413: one over the size cap.
ON_ONE = {**LISTED, **problem_responses(WebhookNotFound)}


@router.post(
    "/webhooks",
    status_code=201,
    response_model=WebhookCreated,
    summary="Register a webhook",
    responses={**KEYED, **problem_responses(WebhookTargetRefused), **location.CREATED},
)
async def register_webhook(
    body: WebhookCreate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Have events of the given types POSTed, signed, to a public URL; returns the secret."""

    async def create() -> idempotency.Created:
        webhook = await webhooks.register(session, principal, body, settings.webhooks)
        created = WebhookCreated.model_validate(webhook.model_dump())
        return idempotency.Created(created, webhook.municipality_code, [webhook.id])

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=Locator("get_webhook", {"webhook_id": "id"}),
    )


@router.get("/webhooks", response_model=WebhookPage, summary="List webhooks", responses=LISTED)
async def list_webhooks(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    municipality: Annotated[str | None, Query(pattern=r"^[0-9]{4}$")] = None,
) -> WebhookPage:
    """Webhooks of the token's municipalities, oldest first; secrets are never shown again."""
    rows, total = await webhooks.list_webhooks(session, principal, municipality, page)
    return page_of([WebhookRead.model_validate(w.model_dump()) for w in rows], page, total)


@router.get(
    "/webhooks/{webhook_id}", response_model=WebhookRead, summary="Get a webhook", responses=ON_ONE
)
async def get_webhook(webhook_id: uuid.UUID, session: SessionDep, principal: Reader) -> WebhookRead:
    """One webhook, without its secret."""
    return WebhookRead.model_validate(
        (await webhooks.get(session, principal, webhook_id)).model_dump()
    )


@router.delete(
    "/webhooks/{webhook_id}", status_code=204, summary="Remove a webhook", responses=ON_ONE
)
async def remove_webhook(webhook_id: uuid.UUID, session: SessionDep, principal: Writer) -> Response:
    """Stop delivering to the webhook; queued deliveries are cancelled."""
    await webhooks.remove(session, principal, webhook_id)
    return Response(status_code=204)
