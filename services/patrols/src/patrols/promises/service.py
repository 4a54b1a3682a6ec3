"""Use cases of citizens' promises: draft one, sign it, follow it up, record manual progress,
and count what other services' events show towards its commitments.

Progress is never typed in where an event exists: each counted thing is a `promise_activity`
row keyed by what it is about (the walk, the round, the dialogue, the week, the measure), so a
redelivered event, or a second event about the same thing, adds nothing.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.domain import LOCAL_TIME, utcnow
from patrols.errors import InvalidField
from patrols.promises.models import Commitment, FollowUp, Promise, PromiseActivity
from patrols.promises.schemas import (
    ActivityRead,
    CommitmentCreate,
    CommitmentRead,
    FollowUpCreate,
    FollowUpRead,
    Indicator,
    ManualProgress,
    PromiseCreate,
    PromiseRead,
    PromiseStatus,
    PublicPromise,
    QuarterFigures,
    YearReport,
)
from shared.auth import Principal
from shared.contracts.patrols import CommitmentProgress, PromiseFollowedUp, PromiseSigned
from shared.outbox import emit
from shared.pagination import PageParams
from shared.problems import Conflict, NotFound

LONGEST_PERIOD = timedelta(days=3 * 366)
LATEST = 10


class PromiseNotFound(NotFound):
    title = "Promise not found"


class CommitmentNotFound(NotFound):
    title = "Commitment not found"


class PromiseConflict(Conflict):
    title = "The promise's or commitment's state does not allow this"


# --- Drafting -----------------------------------------------------------------------------------


def _check_commitment(index: int, body: CommitmentCreate) -> None:
    if body.localities is not None and body.indicator != Indicator.WALKS_HELD:
        raise InvalidField(f"/commitments/{index}/localities", "only walks_held has localities")
    if body.hot_spot_ids is not None and body.indicator != Indicator.ROUNDS_DONE:
        raise InvalidField(
            f"/commitments/{index}/hot_spot_ids", "only rounds_done has hot spot ids"
        )


def _check_draft(body: PromiseCreate) -> None:
    if body.period_end < body.period_start:
        raise InvalidField("/period_end", "the period must end on or after its start")
    if body.period_end - body.period_start > LONGEST_PERIOD:
        raise InvalidField("/period_end", "a promise lasts at most three years")
    for index, commitment in enumerate(body.commitments):
        _check_commitment(index, commitment)


def _params(body: CommitmentCreate) -> dict[str, object]:
    params: dict[str, object] = {}
    if body.localities is not None:
        params["localities"] = body.localities
    if body.hot_spot_ids is not None:
        params["hot_spot_ids"] = [str(spot) for spot in body.hot_spot_ids]
    return params


def _commitments(promise_id: uuid.UUID, body: PromiseCreate) -> list[Commitment]:
    return [
        Commitment(
            promise_id=promise_id,
            title=c.title,
            description=c.description,
            indicator=c.indicator,
            params=_params(c),
            target=c.target,
            position=position,
        )
        for position, c in enumerate(body.commitments)
    ]


async def create_promise(
    session: AsyncSession, principal: Principal, municipality: str, body: PromiseCreate, base: str
) -> PromiseRead:
    """A draft: nothing is published until it is signed."""
    _check_draft(body)
    promise = Promise(
        municipality_code=municipality,
        police_area=body.police_area,
        title=body.title,
        period_start=body.period_start,
        period_end=body.period_end,
        focus_areas=body.focus_areas,
        created_by=principal.subject,
    )
    session.add(promise)
    await session.flush()
    session.add_all(_commitments(promise.id, body))
    await session.flush()
    return await read_promise(session, promise, base)


async def replace_draft(
    session: AsyncSession,
    principal: Principal,
    promise_id: uuid.UUID,
    body: PromiseCreate,
    base: str,
) -> PromiseRead:
    """A draft is replaced whole; its commitments are new, and what was counted is counted again
    only from events that arrive from now on."""
    promise = await get_promise(session, principal, promise_id, lock=True)
    _require_draft(promise)
    _check_draft(body)
    for field in ("title", "police_area", "period_start", "period_end", "focus_areas"):
        setattr(promise, field, getattr(body, field))
    old = await commitments_of(session, promise.id)
    ids = [c.id for c in old]
    for activity in await session.exec(
        select(PromiseActivity).where(col(PromiseActivity.commitment_id).in_(ids))
    ):
        await session.delete(activity)
    await session.flush()
    for commitment in old:
        await session.delete(commitment)
    await session.flush()
    session.add_all([promise, *_commitments(promise.id, body)])
    await session.flush()
    return await read_promise(session, promise, base)


def _require_draft(promise: Promise) -> None:
    if promise.status != PromiseStatus.DRAFT:
        raise PromiseConflict("The promise is signed: its commitments can no longer change.")


# --- Reading ------------------------------------------------------------------------------------


async def get_promise(
    session: AsyncSession, principal: Principal, promise_id: uuid.UUID, lock: bool = False
) -> Promise:
    promise = await session.get(Promise, promise_id)
    if promise is None or not principal.may_access(promise.municipality_code):
        raise PromiseNotFound(f"No promise {promise_id}.")
    if lock:
        await session.refresh(promise, with_for_update=True)
    return promise


async def commitments_of(session: AsyncSession, promise_id: uuid.UUID) -> list[Commitment]:
    query = select(Commitment).where(Commitment.promise_id == promise_id)
    return list(await session.exec(query.order_by(col(Commitment.position))))


async def achieved(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    query = (
        select(PromiseActivity.commitment_id, func.sum(PromiseActivity.amount))
        .where(col(PromiseActivity.commitment_id).in_(ids))
        .group_by(col(PromiseActivity.commitment_id))
    )
    return {commitment: int(total) for commitment, total in (await session.exec(query)).all()}


def _commitment_read(commitment: Commitment, done: int) -> CommitmentRead:
    params = commitment.params
    return CommitmentRead(
        id=commitment.id,
        promise_id=commitment.promise_id,
        title=commitment.title,
        description=commitment.description,
        indicator=commitment.indicator,
        localities=params.get("localities"),
        hot_spot_ids=params.get("hot_spot_ids"),
        target=commitment.target,
        achieved=done,
    )


async def progress(session: AsyncSession, promise_id: uuid.UUID) -> list[CommitmentRead]:
    commitments = await commitments_of(session, promise_id)
    done = await achieved(session, [c.id for c in commitments])
    return [_commitment_read(c, done.get(c.id, 0)) for c in commitments]


async def latest_activities(
    session: AsyncSession, ids: Sequence[uuid.UUID], limit: int = LATEST
) -> list[ActivityRead]:
    query = (
        select(PromiseActivity)
        .where(col(PromiseActivity.commitment_id).in_(ids))
        .order_by(col(PromiseActivity.occurred_at).desc(), col(PromiseActivity.id))
        .limit(limit)
    )
    return [ActivityRead.model_validate(a, from_attributes=True) for a in await session.exec(query)]


def public_url(promise: Promise, base: str) -> str:
    return f"{base.rstrip('/')}/public/promises/{promise.id}.html"


async def read_promise(session: AsyncSession, promise: Promise, base: str) -> PromiseRead:
    commitments = await progress(session, promise.id)
    activities = await latest_activities(session, [c.id for c in commitments])
    return PromiseRead.model_validate(
        {
            **promise.model_dump(),
            "commitments": commitments,
            "activities": activities,
            "public_url": public_url(promise, base),
        }
    )


async def show_promise(
    session: AsyncSession, principal: Principal, promise_id: uuid.UUID, base: str
) -> PromiseRead:
    return await read_promise(session, await get_promise(session, principal, promise_id), base)


async def list_promises(
    session: AsyncSession, municipality: str, page: PageParams
) -> tuple[list[Promise], int]:
    where = Promise.municipality_code == municipality
    total = (await session.exec(select(func.count()).select_from(Promise).where(where))).one()
    query = (
        select(Promise)
        .where(where)
        .order_by(col(Promise.period_start).desc(), col(Promise.id))
        .limit(page.limit)
        .offset(page.offset)
    )
    return list(await session.exec(query)), total


# --- Signing and following up -------------------------------------------------------------------


def parties(promise: Promise) -> list[str]:
    return [f"Kommun {promise.municipality_code}", promise.police_area]


def _progress_of(commitments: list[CommitmentRead]) -> list[CommitmentProgress]:
    return [
        CommitmentProgress(
            commitment_id=c.id,
            title=c.title,
            indicator=c.indicator,
            target=c.target,
            achieved=c.achieved,
        )
        for c in commitments
    ]


def _promise_facts(promise: Promise, base: str) -> dict[str, object]:
    return {
        "municipality_code": promise.municipality_code,
        "promise_id": promise.id,
        "title": promise.title,
        "parties": parties(promise),
        "period_start": promise.period_start,
        "period_end": promise.period_end,
        "public_url": public_url(promise, base),
    }


async def sign_promise(
    session: AsyncSession, principal: Principal, promise_id: uuid.UUID, base: str
) -> PromiseRead:
    """Signed, the promise is public and its commitments fixed (promise.signed)."""
    promise = await get_promise(session, principal, promise_id, lock=True)
    if promise.status != PromiseStatus.DRAFT:
        raise PromiseConflict("The promise is already signed.")
    promise.status, promise.signed_at = PromiseStatus.SIGNED, utcnow()
    session.add(promise)
    commitments = await progress(session, promise.id)
    emit(
        session,
        PromiseSigned.model_validate(
            {
                **_promise_facts(promise, base),
                "focus_areas": promise.focus_areas,
                "commitments": _progress_of(commitments),
                "signed_at": promise.signed_at,
            }
        ),
    )
    await session.flush()
    return await read_promise(session, promise, base)


def follow_up_read(follow_up: FollowUp) -> FollowUpRead:
    return FollowUpRead.model_validate(follow_up, from_attributes=True)


async def follow_up(
    session: AsyncSession,
    principal: Principal,
    promise_id: uuid.UUID,
    body: FollowUpCreate,
    base: str,
) -> FollowUpRead:
    """Each commitment's figure now, kept and published (promise.followed_up)."""
    promise = await get_promise(session, principal, promise_id, lock=True)
    if promise.status != PromiseStatus.SIGNED:
        raise PromiseConflict("Only a signed promise is followed up.")
    figures = _progress_of(await progress(session, promise.id))
    made = FollowUp(
        promise_id=promise.id,
        summary=body.summary,
        figures=[f.model_dump(mode="json") for f in figures],
        created_by=principal.subject,
    )
    session.add(made)
    emit(
        session,
        PromiseFollowedUp(
            **_promise_facts(promise, base),
            follow_up_id=made.id,
            commitments=figures,
            summary=body.summary,
            followed_up_at=made.created_at,
        ),
    )
    await session.flush()
    return follow_up_read(made)


async def record_manual(
    session: AsyncSession, principal: Principal, commitment_id: uuid.UUID, body: ManualProgress
) -> CommitmentRead:
    """Staff record an amount with its evidence; only where no event can count it."""
    commitment = await session.get(Commitment, commitment_id)
    promise = None if commitment is None else await session.get(Promise, commitment.promise_id)
    if commitment is None or promise is None or not principal.may_access(promise.municipality_code):
        raise CommitmentNotFound(f"No commitment {commitment_id}.")
    if commitment.indicator != Indicator.MANUAL:
        raise PromiseConflict(
            f"The commitment counts {commitment.indicator} from events; it takes no manual figure."
        )
    key = f"manual:{uuid.uuid4()}"
    link = None if body.evidence_url is None else str(body.evidence_url)
    occurred = body.occurred_at or utcnow()
    if occurred > utcnow():
        raise InvalidField("/occurred_at", "not in the future")
    await _add(
        session,
        commitment,
        Contribution(key, None, "manual", occurred, body.evidence, link, body.amount),
    )
    done = await achieved(session, [commitment.id])
    return _commitment_read(commitment, done.get(commitment.id, 0))


# --- Counting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """Something an event shows was done, keyed by what it is about."""

    key: str
    event_id: str | None
    kind: str
    occurred_at: datetime
    title: str
    link: str | None = None
    amount: int = 1


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TIME).date()


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=LOCAL_TIME)


async def commitments_counting(
    session: AsyncSession, municipality: str, indicator: Indicator, day: date
) -> list[Commitment]:
    """The municipality's commitments of this indicator whose promise's period holds the day."""
    query = (
        select(Commitment)
        .join(Promise, col(Promise.id) == col(Commitment.promise_id))
        .where(
            Promise.municipality_code == municipality,
            Commitment.indicator == indicator,
            col(Promise.period_start) <= day,
            col(Promise.period_end) >= day,
        )
    )
    return list(await session.exec(query))


async def _add(session: AsyncSession, commitment: Commitment, item: Contribution) -> None:
    statement = (
        insert(PromiseActivity)
        .values(
            id=uuid.uuid4(),
            commitment_id=commitment.id,
            key=item.key,
            event_id=item.event_id,
            kind=item.kind,
            occurred_at=item.occurred_at,
            title=item.title,
            link=item.link,
            amount=item.amount,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["commitment_id", "key"])
    )
    await session.exec(statement)


async def count(
    session: AsyncSession,
    municipality: str,
    indicator: Indicator,
    item: Contribution,
    applies: "Applies | None" = None,
) -> None:
    """Add the contribution to every commitment that counts it, once."""
    day = local_day(item.occurred_at)
    for commitment in await commitments_counting(session, municipality, indicator, day):
        if applies is None or applies(commitment.params):
            await _add(session, commitment, item)


async def link_activities(session: AsyncSession, key: str, link: str) -> None:
    """A page published later (a walk's protocol) becomes the link of what it is about."""
    rows = await session.exec(select(PromiseActivity).where(PromiseActivity.key == key))
    for activity in rows:
        activity.link = link
        session.add(activity)


class Applies:
    """Whether a commitment's params take an event: `localities` or `hot_spot_ids`, each
    empty or left out meaning any."""

    def __init__(self, name: str, values: Sequence[str]) -> None:
        self.name, self.values = name, {v.casefold() for v in values}

    def __call__(self, params: dict[str, object]) -> bool:
        wanted = params.get(self.name)
        if not isinstance(wanted, list) or not wanted:
            return True
        return bool(self.values & {str(w).casefold() for w in wanted})


# --- Public -------------------------------------------------------------------------------------


async def signed_promise(session: AsyncSession, promise_id: uuid.UUID) -> Promise:
    promise = await session.get(Promise, promise_id)
    if promise is None or promise.status != PromiseStatus.SIGNED:
        raise PromiseNotFound(f"No signed promise {promise_id}.")
    return promise


async def follow_ups_of(session: AsyncSession, promise_id: uuid.UUID) -> list[FollowUp]:
    query = select(FollowUp).where(FollowUp.promise_id == promise_id)
    return list(await session.exec(query.order_by(col(FollowUp.created_at))))


async def public_promise(session: AsyncSession, promise_id: uuid.UUID) -> PublicPromise:
    """Only a signed promise is public; a draft does not exist here."""
    promise = await signed_promise(session, promise_id)
    commitments = await progress(session, promise.id)
    assert promise.signed_at is not None
    return PublicPromise(
        id=promise.id,
        title=promise.title,
        parties=parties(promise),
        period_start=promise.period_start,
        period_end=promise.period_end,
        focus_areas=promise.focus_areas,
        signed_at=promise.signed_at,
        commitments=commitments,
        activities=await latest_activities(session, [c.id for c in commitments]),
        follow_ups=[follow_up_read(f) for f in await follow_ups_of(session, promise.id)],
    )


def quarter(moment: datetime) -> int:
    return (local_day(moment).month - 1) // 3


async def year_report(session: AsyncSession, promise_id: uuid.UUID, year: int) -> YearReport:
    """Per commitment, what was counted in each quarter of the year and in the whole year."""
    promise = await public_promise(session, promise_id)
    ids = [c.id for c in promise.commitments]
    query = select(PromiseActivity).where(
        col(PromiseActivity.commitment_id).in_(ids),
        col(PromiseActivity.occurred_at) >= start_of(date(year, 1, 1)),
        col(PromiseActivity.occurred_at) < start_of(date(year + 1, 1, 1)),
    )
    quarters: dict[uuid.UUID, list[int]] = {i: [0, 0, 0, 0] for i in ids}
    for activity in await session.exec(query):
        quarters[activity.commitment_id][quarter(activity.occurred_at)] += activity.amount
    figures = [
        QuarterFigures(
            commitment_id=c.id,
            title=c.title,
            indicator=c.indicator,
            target=c.target,
            quarters=quarters[c.id],
            year=sum(quarters[c.id]),
        )
        for c in promise.commitments
    ]
    in_year = [f for f in promise.follow_ups if local_day(f.created_at).year == year]
    return YearReport(promise=promise, year=year, figures=figures, follow_ups=in_year)


def check_year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise InvalidField("/year", "a year between 2000 and 2100")
    return year
