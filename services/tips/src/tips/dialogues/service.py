"""Use cases of citizen dialogues: record one, list them, record what residents raised there
as tips whose source is the dialogue."""

import uuid

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import geo
from shared.auth import Principal
from shared.pagination import PageParams, fetch
from tips.dialogues.models import Dialogue
from tips.dialogues.schemas import DialogueCreate, DialogueInput
from tips.domain import Source, utcnow
from tips.errors import DialogueNotFound
from tips.tips import service as intake
from tips.tips.models import Tip


async def create(
    session: AsyncSession, municipality: str, body: DialogueCreate, actor: str
) -> Dialogue:
    dialogue = Dialogue(
        municipality_code=municipality,
        title=body.title,
        held_on=body.held_on,
        locality=body.locality,
        location=geo.to_db(body.location) if body.location else None,
        attendees=body.attendees,
        created_by=actor,
        created_at=utcnow(),
    )
    session.add(dialogue)
    await session.flush()
    return dialogue


async def get(session: AsyncSession, principal: Principal, dialogue_id: uuid.UUID) -> Dialogue:
    dialogue = await session.get(Dialogue, dialogue_id)
    if dialogue is None or not principal.may_access(dialogue.municipality_code):
        raise DialogueNotFound(f"No dialogue {dialogue_id}.")
    return dialogue


async def list_dialogues(
    session: AsyncSession, municipality: str, page: PageParams
) -> tuple[list[Dialogue], int]:
    query = (
        select(Dialogue)
        .where(Dialogue.municipality_code == municipality)
        .order_by(col(Dialogue.held_on).desc(), col(Dialogue.id))
    )
    rows, total = await fetch(session, query, page)
    return list(rows), total


async def input_counts(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    query = (
        select(col(Tip.dialogue_id), func.count())
        .where(col(Tip.dialogue_id).in_(ids))
        .group_by(col(Tip.dialogue_id))
    )
    return {dialogue_id: count for dialogue_id, count in await session.exec(query) if dialogue_id}


async def add_input(
    session: AsyncSession, principal: Principal, dialogue_id: uuid.UUID, body: DialogueInput
) -> intake.Submitted:
    """Records the input as a tip of the dialogue's municipality, with the dialogue as source."""
    dialogue = await get(session, principal, dialogue_id)
    origin = intake.Origin(Source.DIALOGUE, dialogue_id=dialogue.id)
    return await intake.submit_tip(session, dialogue.municipality_code, body.as_tip(), origin)
