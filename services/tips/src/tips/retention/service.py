"""Anonymising closed tips once their retention period has passed (GDPR art. 5(1)(e)).

What could identify the tipster, or anyone the tip is about, goes: the contact, the photos,
staff's notes (they may name people), messages still owed to the tipster, the description,
free-text answers, the address and the hash of what was submitted (it covers the contact).
The place becomes the centre of its 250 m grid cell and the time the start of its block of
hours, as in the tip's events. What stays is what the situational picture and the follow-up
need: the category, the locality, choice answers, status, outcome and public note, and the
moderated description (`redacted_description`), which staff already made fit to publish. The
audit log stays too: it records who did what, never a tip's content.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import geo
from tips.categories.models import Category
from tips.domain import QuestionKind, time_block
from tips.feedback.models import TipFeedback
from tips.photos.models import TipPhoto
from tips.tips.models import Tip, TipContact
from tips.tips.service import grid_cells
from tips.triage.models import TipNote

# Tips per transaction: a long backlog (the first run, a year of tips) goes in many short ones.
BATCH = 200


async def anonymise_closed(
    session: AsyncSession, older_than: timedelta, now: datetime, batch: int = BATCH
) -> int:
    """Anonymise one batch of tips closed before `now - older_than`; returns how many.

    Call it again until it returns less than `batch`. Tips another worker is anonymising at
    the same moment are skipped, not waited for.
    """
    tips = await _due(session, now - older_than, batch)
    if not tips:
        return 0
    ids = [tip.id for tip in tips]
    for table in (TipContact, TipPhoto, TipNote):
        await session.exec(delete(table).where(col(table.tip_id).in_(ids)))
    owed = delete(TipFeedback).where(
        col(TipFeedback.tip_id).in_(ids), col(TipFeedback.sent_at).is_(None)
    )
    await session.exec(owed)
    categories = await _categories(session, tips)
    squares = await _squares(session, tips)
    for tip in tips:
        category = categories.get((tip.municipality_code, tip.category_code))
        _anonymise(tip, category, squares.get(tip.id), now)
    await session.flush()
    return len(tips)


async def _due(session: AsyncSession, cutoff: datetime, batch: int) -> list[Tip]:
    statement = (
        select(Tip)
        .where(col(Tip.closed_at) < cutoff, col(Tip.anonymised_at).is_(None))
        .order_by(col(Tip.closed_at))
        .limit(batch)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return list(await session.exec(statement))


async def _categories(session: AsyncSession, tips: list[Tip]) -> dict[tuple[str, str], Category]:
    keys = {(t.municipality_code, t.category_code) for t in tips}
    found = {key: await session.get(Category, key) for key in keys}
    return {key: category for key, category in found.items() if category is not None}


async def _squares(session: AsyncSession, tips: list[Tip]) -> dict[Any, geo.Point]:
    """The centre of each located tip's grid square, in one query."""
    located = [t for t in tips if t.location is not None]
    points = [geo.Point.model_validate(geo.from_db(t.location)) for t in located]
    cells = await grid_cells(session, points)
    return {t.id: cell.centre for t, cell in zip(located, cells, strict=True)}


def _anonymise(
    tip: Tip, category: Category | None, square: geo.Point | None, now: datetime
) -> None:
    tip.description = None
    tip.answers = choices(tip.answers, category)
    tip.address = None
    tip.address_id = None
    tip.submission_hash = None
    if square is not None:
        tip.location = geo.to_db(square)
    if tip.occurred_at is not None:
        tip.occurred_at = time_block(tip.occurred_at)
    tip.anonymised_at = now
    tip.updated_at = now


def choices(answers: dict[str, Any], category: Category | None) -> dict[str, Any]:
    """The answers that are option keys of the category's choice questions; free text, and
    whatever the category no longer explains, go."""
    if category is None:
        return {}
    kept: dict[str, Any] = {}
    for question in category.questions:
        code, kind = question.get("code"), question.get("kind")
        if not isinstance(code, str) or code not in answers:
            continue
        keys = {o.get("key") for o in question.get("options", [])}
        value = answers[code]
        if kind == QuestionKind.SINGLE and isinstance(value, str) and value in keys:
            kept[code] = value
        elif kind == QuestionKind.MULTIPLE and isinstance(value, list):
            chosen = [v for v in value if isinstance(v, str) and v in keys]
            if chosen:
                kept[code] = chosen
    return kept
