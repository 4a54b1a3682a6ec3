"""What the patrols service takes into the situational picture from other services' events:
tips, and the negative observations of safety walks, as incidents.

Each handler runs in the consumer's transaction after the event's inbox row is claimed, so a
redelivered event reaches no handler; the incident's own key (source, and the tip's or the
observation's id) holds besides, so nothing is stored twice however the event comes back.
"""

from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.domain import IncidentSource
from patrols.incidents.storage import NewIncident, add_incidents, new_incident
from shared.consumer import EventMeta
from shared.contracts.tips import TipReceived
from shared.contracts.walks import ObservedPlace, WalkConducted


def from_tip(event: TipReceived) -> NewIncident:
    """A tip, as coarse as it was published: its category, the start of its block of hours,
    the centre of its grid square (or only its locality, when it was given no point)."""
    return new_incident(
        event.municipality_code,
        source=IncidentSource.TIP,
        external_id=str(event.tip_id),
        category=event.category,
        occurred_at=event.occurred.start,
        location=event.cell.centre if event.cell is not None else None,
        locality=event.locality,
    )


def from_observation(event: WalkConducted, observation: ObservedPlace) -> NewIncident:
    """An observation keeps its category code as it is (`lighting`): `source` says it came from
    a walk, so it is not mistaken for a tip category of the same name."""
    return new_incident(
        event.municipality_code,
        source=IncidentSource.WALK,
        external_id=str(observation.observation_id),
        category=observation.category,
        occurred_at=observation.observed_at or event.conducted_at,
        location=observation.location,
        locality=event.locality,
    )


async def on_tip_received(event: TipReceived, session: AsyncSession, /, *, meta: EventMeta) -> None:
    """Every tip is an incident of its category."""
    await add_incidents(session, event.municipality_code, meta.source, [from_tip(event)])


async def on_walk_conducted(
    event: WalkConducted, session: AsyncSession, /, *, meta: EventMeta
) -> None:
    """Each negative observation of the walk is an incident; what felt safe is not."""
    found = [from_observation(event, o) for o in event.observations if o.sentiment == "negative"]
    await add_incidents(session, event.municipality_code, meta.source, found)
