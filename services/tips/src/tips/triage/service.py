"""Use cases of staff's work on tips: read, triage, forward, close, note, moderate, audit.

Every use case on one tip goes through `tips.audit.visible_tip`: another municipality's tip
does not exist for the caller (404), a restricted one needs `tips:police` (403), and every
access to a restricted tip is in the audit log under the use case's action (`read`, `triage`,
...). Every change to any tip adds a row of its own naming the change and the fields it set,
so a restricted tip's change leaves both: the access and the change. A restricted tip in a list
leaves a `list` row. Audit rows and events never hold free text (a description, a public note,
a note's body): only which free-text fields were written.
"""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic_core import to_jsonable_python
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import Principal
from shared.contracts.tips import TipClosed, TipTriaged
from shared.outbox import emit
from shared.pagination import PageParams, fetch, page_of
from shared.problems import Forbidden
from tips.access import ADMIN, POLICE, may_read_restricted
from tips.audit import record, visible_tip
from tips.categories.models import Category
from tips.domain import TRANSITIONS, Status, utcnow
from tips.errors import InvalidField, RestrictedTip, TipStatusConflict
from tips.feedback.models import TipFeedback
from tips.tips.models import Tip, TipContact
from tips.triage import queries
from tips.triage.models import TipAudit, TipNote
from tips.triage.redaction import redact
from tips.triage.schemas import (
    AuditPage,
    CloseCommand,
    DuplicateCollection,
    ForwardCommand,
    ModerationCommand,
    ModerationResult,
    NoteCreate,
    NotePage,
    NoteRead,
    TipDetail,
    TipFeature,
    TriageCommand,
    audit_read,
    duplicate_feature,
    note_read,
    tip_detail,
    tip_feature,
)

AUDITORS = frozenset({POLICE, ADMIN})


async def feature(session: AsyncSession, tip: Tip) -> TipFeature:
    return tip_feature(tip, (await queries.facts(session, [tip.id]))[tip.id])


def _record_listed(
    session: AsyncSession, principal: Principal, tips: list[Tip], **how: str
) -> None:
    for tip in tips:
        if tip.restricted:
            record(session, tip, principal.subject, "list", **how)


async def list_tips(
    session: AsyncSession, principal: Principal, where: queries.TipFilter, page: PageParams
) -> tuple[list[TipFeature], int]:
    rows, total = await queries.list_tips(session, principal, where, page)
    _record_listed(session, principal, rows, list="tips")
    known = await queries.facts(session, [tip.id for tip in rows])
    return [tip_feature(tip, known[tip.id]) for tip in rows], total


async def get_tip(session: AsyncSession, principal: Principal, tip_id: uuid.UUID) -> TipDetail:
    tip = await visible_tip(session, principal, tip_id, "read")
    notes = await session.exec(
        select(TipNote).where(TipNote.tip_id == tip.id).order_by(col(TipNote.created_at))
    )
    return tip_detail(tip, (await queries.facts(session, [tip.id]))[tip.id], list(notes))


# --- Transitions --------------------------------------------------------------------------------


async def _for_change(
    session: AsyncSession, principal: Principal, tip_id: uuid.UUID, action: str, target: Status
) -> Tip:
    tip = await visible_tip(session, principal, tip_id, action)
    # Locked: of two staff changing the tip at once, the second sees what the first did.
    await session.refresh(tip, with_for_update=True)
    if target not in TRANSITIONS[Status(tip.status)]:
        raise TipStatusConflict(f"The tip is {tip.status}; it cannot be {target} from there.")
    return tip


def _change(
    session: AsyncSession,
    tip: Tip,
    actor: str,
    action: str,
    values: dict[str, Any],
    texts: dict[str, str | None] | None = None,
    at: datetime | None = None,
) -> None:
    """Sets the fields and logs the change: the values, but of free text only its field names."""
    written = {name: value for name, value in (texts or {}).items() if value is not None}
    for name, value in {**values, **written}.items():
        setattr(tip, name, value)
    tip.updated_at = at or utcnow()
    session.add(tip)
    detail = to_jsonable_python(values)
    if written:
        detail["texts"] = sorted(written)
    record(session, tip, actor, action, **detail)


async def _about(session: AsyncSession, tip: Tip) -> dict[str, Any]:
    """What every tip event carries first: the tip, its municipality and its category."""
    category = await session.get(Category, (tip.municipality_code, tip.category_code))
    return {
        "tip_id": tip.id,
        "municipality_code": tip.municipality_code,
        "category": tip.category_code,
        "parent_category": category.parent_code if category else None,
    }


def _assignee(tip: Tip, assignee: str) -> str:
    if assignee.startswith("dept:") and assignee.split(":")[1] != tip.municipality_code:
        detail = (
            f"must be the police or a department of the tip's municipality, {tip.municipality_code}"
        )
        raise InvalidField("/assigned_to", detail)
    return assignee


def _restriction(principal: Principal, restricted: bool) -> bool:
    # Restricting protects; lifting a restriction shows offences to every reader. (visible_tip
    # already refuses a restricted tip to a caller without tips:police: the rule is kept here.)
    if not restricted and not may_read_restricted(principal):
        raise RestrictedTip("Lifting a tip's restriction needs tips:police.")
    return restricted


async def _original(session: AsyncSession, tip: Tip, original_id: uuid.UUID) -> uuid.UUID:
    pointer = "/duplicate_of"
    if original_id == tip.id:
        raise InvalidField(pointer, "a tip cannot be a duplicate of itself")
    original = await session.get(Tip, original_id)
    if original is None or original.municipality_code != tip.municipality_code:
        raise InvalidField(pointer, f"there is no tip {original_id} in {tip.municipality_code}")
    if original.duplicate_of is not None:
        # Pointing at the original keeps every duplicate one step from it: no chains.
        raise InvalidField(pointer, f"that tip is a duplicate of {original.duplicate_of}")
    return original.id


async def _triaged(session: AsyncSession, tip: Tip) -> None:
    handed = {
        "status": tip.status,
        "assigned_to": tip.assigned_to,
        "duplicate_of": tip.duplicate_of,
    }
    emit(session, TipTriaged.model_validate({**await _about(session, tip), **handed}))


async def triage_tip(
    session: AsyncSession, principal: Principal, tip_id: uuid.UUID, body: TriageCommand
) -> TipFeature:
    tip = await _for_change(session, principal, tip_id, "triage", Status.TRIAGED)
    values: dict[str, Any] = {"status": Status.TRIAGED}
    if body.assigned_to is not None:
        values["assigned_to"] = _assignee(tip, body.assigned_to)
    if body.restricted is not None and body.restricted != tip.restricted:
        values["restricted"] = _restriction(principal, body.restricted)
    if body.duplicate_of is not None:
        values["duplicate_of"] = await _original(session, tip, body.duplicate_of)
    _change(session, tip, principal.subject, "triaged", values)
    await _triaged(session, tip)
    return await feature(session, tip)


async def forward_tip(
    session: AsyncSession, principal: Principal, tip_id: uuid.UUID, body: ForwardCommand
) -> TipFeature:
    tip = await _for_change(session, principal, tip_id, "forward", Status.FORWARDED)
    values = {"status": Status.FORWARDED, "assigned_to": _assignee(tip, body.assigned_to)}
    _change(session, tip, principal.subject, "forwarded", values)
    await _triaged(session, tip)
    return await feature(session, tip)


async def close_tip(
    session: AsyncSession, principal: Principal, tip_id: uuid.UUID, body: CloseCommand
) -> TipFeature:
    """Closes the tip; a tipster who left a contact is owed a closing message."""
    tip = await _for_change(session, principal, tip_id, "close", Status.CLOSED)
    now = utcnow()
    values = {"status": Status.CLOSED, "outcome": body.outcome, "closed_at": now}
    texts = {"public_note": body.public_note}
    _change(session, tip, principal.subject, "closed", values, texts, at=now)
    if await session.get(TipContact, tip.id) is not None:
        # In the closing's own transaction, so the message is owed exactly when the tip closed.
        session.add(TipFeedback(tip_id=tip.id, kind="closing"))
    about = await _about(session, tip)
    emit(session, TipClosed.model_validate({**about, "outcome": body.outcome, "closed_at": now}))
    return await feature(session, tip)


# --- Notes, moderation, the audit log, duplicates -----------------------------------------------


async def add_note(
    session: AsyncSession, principal: Principal, tip_id: uuid.UUID, body: NoteCreate
) -> tuple[NoteRead, Tip]:
    """The note, and the tip it is on (a stored response holds both)."""
    tip = await visible_tip(session, principal, tip_id, "add_note")
    note = TipNote(tip_id=tip.id, body=body.body, author=principal.subject, created_at=utcnow())
    session.add(note)
    record(session, tip, principal.subject, "note_added", note_id=str(note.id))
    await session.flush()
    return note_read(note), tip


async def list_notes(
    session: AsyncSession, principal: Principal, tip_id: uuid.UUID, page: PageParams
) -> NotePage:
    tip = await visible_tip(session, principal, tip_id, "read_notes")
    statement = (
        select(TipNote)
        .where(TipNote.tip_id == tip.id)
        .order_by(col(TipNote.created_at), col(TipNote.id))
    )
    rows, total = await fetch(session, statement, page)
    return page_of([note_read(n) for n in rows], page, total)


async def moderate(
    session: AsyncSession, principal: Principal, tip_id: uuid.UUID, body: ModerationCommand
) -> ModerationResult:
    """Stores the shareable description: staff's wording or the automatic redaction, either
    passed through `redact`; answers what was replaced as kinds and counts only."""
    tip = await visible_tip(session, principal, tip_id, "moderate")
    source: Literal["staff", "automatic"] = (
        "automatic" if body.redacted_description is None else "staff"
    )
    given = tip.description if body.redacted_description is None else body.redacted_description
    redacted, findings = redact(given) if given is not None else (None, {})
    tip.redacted_description = redacted
    tip.updated_at = utcnow()
    session.add(tip)
    detail = {"source": source, "findings": findings, "texts": ["redacted_description"]}
    record(session, tip, principal.subject, "moderated", **detail)
    return ModerationResult(redacted_description=redacted, source=source, findings=findings)


async def audit_log(
    session: AsyncSession, principal: Principal, tip_id: uuid.UUID, page: PageParams
) -> AuditPage:
    """Who read or changed the tip, oldest first."""
    if not AUDITORS & principal.scopes:
        raise Forbidden("Reading the audit log needs tips:police or tips:admin.")
    tip = await visible_tip(session, principal, tip_id, "read_audit")
    statement = select(TipAudit).where(TipAudit.tip_id == tip.id).order_by(col(TipAudit.id))
    rows, total = await fetch(session, statement, page)
    return page_of([audit_read(row) for row in rows], page, total)


async def suggest_duplicates(
    session: AsyncSession, principal: Principal, tip_id: uuid.UUID
) -> DuplicateCollection:
    tip = await visible_tip(session, principal, tip_id, "read_duplicates")
    candidates = await queries.duplicate_candidates(session, principal, tip)
    _record_listed(session, principal, [c.tip for c in candidates], list="duplicates")
    known = await queries.facts(session, [c.tip.id for c in candidates])
    features = [
        duplicate_feature(c.tip, known[c.tip.id], c.distance_m, c.days_apart, c.score)
        for c in candidates
    ]
    return DuplicateCollection(features=features)
