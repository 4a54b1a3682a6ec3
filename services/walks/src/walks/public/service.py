"""What residents may read without a token: walks, published protocols, published plans."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from walks.domain import PlanStatus
from walks.errors import PlanNotFound, ProtocolNotFound, WalkNotFound
from walks.plans.models import ActionPlan
from walks.plans.service import measures_of
from walks.protocols.models import Protocol
from walks.protocols.schemas import PublicProtocol
from walks.public.schemas import PublicPlan, PublicWalk, public_plan, public_walk
from walks.walks.models import Walk


async def public_protocol(session: AsyncSession, walk_id: uuid.UUID) -> PublicProtocol:
    stored = await session.get(Protocol, walk_id)
    if stored is None:
        raise ProtocolNotFound(f"No protocol of walk {walk_id} is published.")
    return PublicProtocol.model_validate(stored.document)


async def find_public_walk(session: AsyncSession, walk_id: uuid.UUID, base: str) -> PublicWalk:
    """Walks are public from the moment they are scheduled: residents are invited to them."""
    walk = await session.get(Walk, walk_id)
    if walk is None:
        raise WalkNotFound(f"There is no walk {walk_id}.")
    return public_walk(walk, base)


async def find_public_plan(session: AsyncSession, plan_id: uuid.UUID, base: str) -> PublicPlan:
    """Published (and withdrawn) plans are public; drafts do not exist for residents."""
    plan = await session.get(ActionPlan, plan_id)
    if plan is None or plan.status == PlanStatus.DRAFT:
        raise PlanNotFound(f"No action plan {plan_id} is published.")
    walk = await session.get(Walk, plan.walk_id) if plan.walk_id else None
    published = walk is not None and walk.protocol_published_at is not None
    return public_plan(plan, await measures_of(session, plan.id), base, published)
