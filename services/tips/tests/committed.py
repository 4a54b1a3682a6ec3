"""Rows committed for real, for the tests that need them (a browser's requests, two requests
racing), and their removal afterwards, so that no other test meets them."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from tips.categories import service as categories

TIPS = "SELECT id FROM tip WHERE municipality_code = :municipality"
OF_TIPS = ("tip_photo", "tip_contact", "tip_feedback", "tip_audit", "tip_note")


async def install_categories(engine: AsyncEngine, municipality: str) -> None:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await categories.install_defaults(session, municipality)
        await session.commit()


async def remove_everything_of(engine: AsyncEngine, municipality: str) -> None:
    """The municipality's tips, what hangs on them, their events, and its categories."""
    params = {"municipality": municipality}
    async with engine.begin() as conn:
        for table in OF_TIPS:
            await conn.execute(text(f"DELETE FROM {table} WHERE tip_id IN ({TIPS})"), params)
        events = f"DELETE FROM outbox WHERE aggregateid IN (SELECT id::text FROM ({TIPS}) AS t)"
        await conn.execute(text(events), params)
        await conn.execute(text("DELETE FROM tip WHERE municipality_code = :municipality"), params)
        await conn.execute(
            text("DELETE FROM category WHERE municipality_code = :municipality"), params
        )
