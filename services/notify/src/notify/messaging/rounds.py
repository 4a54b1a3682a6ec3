"""Patrol rounds as residents hear of them: each place at most once a day.

Police and municipal staff may visit a hot spot on several rounds in one day; its residents
hear of the first round to reach notify that day, and of that place only. The rule is per hot
spot: a round over a place told of already and a new one tells the new place's residents of
the new place alone, and its message names the new place alone. The claim is
`INSERT … ON CONFLICT DO NOTHING` in the handler's transaction, so two rounds handled at once
by two consumers cannot both win a place, and a claim rolled back with its handler is no
claim.
"""

from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.contracts.patrols import RoundCompleted, VisitedPlace

CLAIM = text(
    """
    INSERT INTO round_place_told (municipality_code, hot_spot_id, day, event_id, created_at)
    SELECT :municipality, hot_spot_id, :day, :event_id, now()
    FROM unnest(CAST(:hot_spots AS uuid[])) AS hot_spot_id
    ON CONFLICT DO NOTHING
    RETURNING hot_spot_id
    """
)


async def claim_places(
    session: AsyncSession, event: RoundCompleted, event_id: str
) -> list[VisitedPlace]:
    """The round's places no round has told of yet on its day, now claimed by this one."""
    params = {
        "municipality": event.municipality_code,
        "day": event.day,
        "event_id": event_id,
        "hot_spots": [p.hot_spot_id for p in event.places],
    }
    conn = await session.connection()
    claimed = set((await conn.execute(CLAIM, params)).scalars())
    return [p for p in event.places if p.hot_spot_id in claimed]


def as_told(event: RoundCompleted, places: list[VisitedPlace]) -> dict[str, Any]:
    """The round as residents are told of it: the places claimed, and the visits and minutes
    spent at them."""
    return {
        **event.model_dump(mode="json"),
        "places": [p.model_dump(mode="json") for p in places],
        "visits": sum(p.visits for p in places),
        "minutes": sum(p.minutes for p in places),
    }
