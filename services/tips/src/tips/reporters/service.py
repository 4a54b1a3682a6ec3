"""Use cases of designated reporters: register, list, retire, and find the caller's."""

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import Principal
from tips.domain import utcnow
from tips.errors import NotAReporter, ReporterNotFound
from tips.reporters.models import Reporter
from tips.reporters.schemas import ReporterCreate


async def register(
    session: AsyncSession, municipality: str, body: ReporterCreate, actor: str
) -> Reporter:
    """Registers the subject, or updates and reactivates its registration."""
    values = body.model_dump(mode="json")
    statement = (
        insert(Reporter)
        .values(
            id=uuid.uuid4(),
            municipality_code=municipality,
            active=True,
            created_by=actor,
            created_at=utcnow(),
            **values,
        )
        .on_conflict_do_update(
            index_elements=["municipality_code", "subject"],
            set_={**{k: v for k, v in values.items() if k != "subject"}, "active": True},
        )
        .returning(col(Reporter.id))
    )
    conn = await session.connection()
    reporter_id = (await conn.execute(statement)).scalar_one()
    reporter = await session.get(Reporter, reporter_id, populate_existing=True)
    assert reporter is not None
    return reporter


async def list_reporters(session: AsyncSession, municipality: str) -> list[Reporter]:
    query = select(Reporter).where(Reporter.municipality_code == municipality)
    return list(await session.exec(query.order_by(Reporter.organisation_name, Reporter.subject)))


async def retire(session: AsyncSession, principal: Principal, reporter_id: uuid.UUID) -> Reporter:
    reporter = await session.get(Reporter, reporter_id)
    if reporter is None or not principal.may_access(reporter.municipality_code):
        raise ReporterNotFound(f"No reporter {reporter_id}.")
    reporter.active = False
    session.add(reporter)
    await session.flush()
    return reporter


async def caller(session: AsyncSession, principal: Principal, municipality: str) -> Reporter:
    """The caller's active registration in the municipality; 403 without one."""
    principal.require_municipality(municipality)
    query = select(Reporter).where(
        Reporter.municipality_code == municipality,
        Reporter.subject == principal.subject,
        Reporter.active == True,  # noqa: E712
    )
    reporter = (await session.exec(query)).first()
    if reporter is None:
        raise NotAReporter(
            f"{principal.subject} is not a designated reporter of municipality {municipality}."
        )
    return reporter
