"""Who read or changed which tip: the audit log every capability writes to, and the one check
of whether a caller may see a tip at all.

A tip of another municipality does not exist for the caller (404). A restricted tip (one about
offences) exists but is refused (403) without the `tips:police` scope; every read of it is in
the audit log, and a refused one in the service log (the request's transaction, and so anything
it wrote, is rolled back). Every change to any tip is in the audit log.
"""

import logging
import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import Principal
from tips.access import may_read_restricted
from tips.domain import utcnow
from tips.errors import RestrictedTip, TipNotFound
from tips.tips.models import Tip
from tips.triage.models import TipAudit

log = logging.getLogger(__name__)


def record(session: AsyncSession, tip: Tip, actor: str, action: str, **detail: Any) -> None:
    session.add(
        TipAudit(
            tip_id=tip.id,
            municipality_code=tip.municipality_code,
            actor=actor,
            action=action,
            detail=detail,
            at=utcnow(),
        )
    )


async def visible_tip(
    session: AsyncSession, principal: Principal, tip_id: uuid.UUID, action: str = "read"
) -> Tip:
    """The tip, if the caller may see it; `action` names the read or change in the log."""
    tip = await session.get(Tip, tip_id)
    if tip is None or not principal.may_access(tip.municipality_code):
        raise TipNotFound(f"No tip {tip_id}.")
    if tip.restricted:
        if not may_read_restricted(principal):
            log.warning(
                "restricted tip refused",
                extra={"tip_id": str(tip.id), "subject": principal.subject, "action": action},
            )
            raise RestrictedTip("The tip concerns offences; reading it needs tips:police.")
        record(session, tip, principal.subject, action)
    return tip
