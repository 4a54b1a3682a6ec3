"""Use cases of taking a tip in, from any source: check it, store it, publish what may be known.

Every intake route ends here, so the checks, the anonymity and the retry rule are the same for a
resident on the form, an Open311 client, a designated reporter and staff entering a dialogue.
"""

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, bindparam, text
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import geo, localities
from shared.contracts.tips import GridCell, TimeBlock, TipReceived
from shared.outbox import emit
from tips.categories import service as categories
from tips.categories.models import Category
from tips.domain import (
    DIVERT_NUMBER,
    GRID_CELL_M,
    GRID_SRID,
    LOCAL_TIME,
    Divert,
    Source,
    Status,
    time_block,
    time_block_end,
    utcnow,
)
from tips.errors import EmergencyDivert, InvalidField, TipIdTaken
from tips.feedback.models import TipFeedback
from tips.tips.models import Tip, TipContact
from tips.tips.schemas import Contact, TipSubmit

CONSENT_TEXT = {
    "sv": "Jag vill få svar på mitt tips. Kommunen sparar min e-postadress eller mitt "
    "telefonnummer bara för att svara på det här tipset och raderar uppgiften när tipset gallras.",
    "en": "I want to hear back about my tip. The municipality keeps my email address or phone "
    "number only to answer this tip, and deletes it when the tip is removed.",
}
DIVERT_MESSAGE = {
    Divert.EMERGENCY: {
        "sv": "Ring 112 nu om någon är i fara eller om det händer just nu. Tipset har inte "
        "skickats.",
        "en": "Call 112 now if someone is in danger or it is happening right now. The tip was "
        "not sent.",
    },
    Divert.POLICE: {
        "sv": "Det här är en polisanmälan: ring 114 14 eller anmäl på polisen.se. Tipset har "
        "inte skickats.",
        "en": "This is for the police: call 114 14 or report at polisen.se. The tip was not sent.",
    },
}
RECEIVED_MESSAGE = {
    "sv": "Tack! Ditt tips har kommit fram. Ring 112 om något händer som inte kan vänta.",
    "en": "Thank you, your tip has arrived. Call 112 if something happens that cannot wait.",
}


@dataclass(frozen=True)
class Origin:
    """Who brought the tip in, beyond the municipality it is for."""

    source: Source
    reporter_id: uuid.UUID | None = None
    organisation_key: str | None = None
    organisation_name: str | None = None
    reporter_kind: str | None = None
    dialogue_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Submitted:
    tip: Tip
    created: bool  # False: a retry of a tip already stored
    acknowledged: bool  # an acknowledgement to the tipster's contact is owed


def divert_message(divert: Divert, language: str) -> str:
    return DIVERT_MESSAGE[divert][language]


async def submit_tip(
    session: AsyncSession, municipality: str, body: TipSubmit, origin: Origin
) -> Submitted:
    """Stores the tip and its `tip.received` event, or finds it stored by an earlier try.

    Refuses (422, with the number to call) a tip whose category or answers say it is urgent.
    """
    digest = _digest(municipality, body, origin)
    if body.id is not None:
        earlier = await session.get(Tip, body.id)
        if earlier is not None:
            if earlier.submission_hash != digest:
                raise TipIdTaken(f"Tip id {body.id} names another submission.")
            return Submitted(earlier, created=False, acknowledged=await _owed(session, earlier))
    if body.occurred_at is not None and body.occurred_at > utcnow() + timedelta(minutes=5):
        raise InvalidField("/occurred_at", "must not be in the future")
    category = await categories.get_active(session, municipality, body.category)
    checked = categories.check_answers(category, dict(body.answers), "/answers")
    # Staff writing down a meeting's concerns are not in danger now; everyone else is told.
    if checked.divert is not None and origin.source is not Source.DIALOGUE:
        raise EmergencyDivert(
            divert_message(checked.divert, body.language), DIVERT_NUMBER[checked.divert]
        )
    tip = _new_tip(municipality, body, origin, category, checked.answers, digest)
    session.add(tip)
    await session.flush()
    if body.contact is not None:
        await _keep_contact(session, tip, body.contact, body.language)
    emit(session, await received_event(session, tip, category, origin.reporter_kind))
    return Submitted(tip, created=True, acknowledged=body.contact is not None)


async def _owed(session: AsyncSession, tip: Tip) -> bool:
    return await session.get(TipContact, tip.id) is not None


def _digest(municipality: str, body: TipSubmit, origin: Origin) -> str:
    content = {
        "municipality": municipality,
        "body": body.model_dump(mode="json"),
        "origin": [origin.source, str(origin.reporter_id), str(origin.dialogue_id)],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _new_tip(
    municipality: str,
    body: TipSubmit,
    origin: Origin,
    category: Category,
    answers: dict[str, Any],
    digest: str,
) -> Tip:
    locality = _locality(municipality, body)
    now = utcnow()
    return Tip(
        id=body.id or uuid.uuid4(),
        municipality_code=municipality,
        category_code=category.code,
        source=origin.source,
        description=body.description,
        answers=answers,
        location=geo.to_db(body.location) if body.location else None,
        address=body.address,
        address_id=body.address_id,
        locality=locality,
        occurred_at=body.occurred_at,
        language=body.language,
        reporter_id=origin.reporter_id,
        organisation_key=origin.organisation_key,
        organisation_name=origin.organisation_name,
        dialogue_id=origin.dialogue_id,
        status=Status.RECEIVED,
        restricted=category.restricted,
        submission_hash=digest,
        created_at=now,
        updated_at=now,
    )


def _locality(municipality: str, body: TipSubmit) -> str | None:
    if body.locality is not None:
        known = localities.find(body.locality, municipality)
        if known is None:
            names = ", ".join(x.name for x in localities.of_municipality(municipality))
            raise InvalidField("/locality", f"not a locality of the municipality ({names})")
        return known.name
    if body.location is not None:
        found = localities.containing(body.location, municipality)
        return found.name if found else None
    return None


async def _keep_contact(session: AsyncSession, tip: Tip, contact: Contact, language: str) -> None:
    session.add(
        TipContact(
            tip_id=tip.id,
            email=contact.email,
            phone=contact.phone,
            consent_text=CONSENT_TEXT[language],
        )
    )
    session.add(TipFeedback(tip_id=tip.id, kind="acknowledgement"))
    await session.flush()


CELLS = text(
    """
    WITH corner AS (
      SELECT n, floor(ST_X(g) / :size)::bigint * :size AS east,
                floor(ST_Y(g) / :size)::bigint * :size AS north
      FROM (
        SELECT n, ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), :srid) AS g
        FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY
             AS p (lon, lat, n)
      ) AS p
    )
    SELECT east, north, ST_X(c) AS lon, ST_Y(c) AS lat
    FROM corner,
         ST_Transform(
           ST_SetSRID(ST_MakePoint(east + :size / 2.0, north + :size / 2.0), :srid), 4326
         ) AS c
    ORDER BY n
    """
).bindparams(bindparam("size", type_=Integer), bindparam("srid", type_=Integer))


async def grid_cell(session: AsyncSession, point: geo.Point) -> GridCell:
    """The square of the national grid that holds the point: the most a tip's event tells."""
    [cell] = await grid_cells(session, [point])
    return cell


async def grid_cells(session: AsyncSession, points: Sequence[geo.Point]) -> list[GridCell]:
    """The squares of the points, in their order, in one round trip."""
    if not points:
        return []
    params = {
        "lons": [p.coordinates[0] for p in points],
        "lats": [p.coordinates[1] for p in points],
        "srid": GRID_SRID,
        "size": GRID_CELL_M,
    }
    conn = await session.connection()
    rows = (await conn.execute(CELLS, params)).all()
    return [
        GridCell(
            size_m=GRID_CELL_M,
            east=int(row.east),
            north=int(row.north),
            centre=geo.Point(type="Point", coordinates=(round(row.lon, 6), round(row.lat, 6))),
        )
        for row in rows
    ]


def block(moment: datetime) -> TimeBlock:
    start = time_block(moment)
    return TimeBlock(start=start, end=time_block_end(start))


async def received_event(
    session: AsyncSession, tip: Tip, category: Category, reporter_kind: str | None
) -> TipReceived:
    location = geo.from_db(tip.location) if tip.location is not None else None
    cell = await grid_cell(session, geo.Point.model_validate(location)) if location else None
    occurred = tip.occurred_at or tip.created_at
    return TipReceived(
        tip_id=tip.id,
        municipality_code=tip.municipality_code,
        category=category.code,
        parent_category=category.parent_code,
        source_type=tip.source,
        reporter_kind=reporter_kind,
        organisation_key=tip.organisation_key,
        dialogue_id=tip.dialogue_id,
        locality=tip.locality,
        cell=cell,
        occurred=block(occurred.astimezone(LOCAL_TIME)),
        occurred_known=tip.occurred_at is not None,
        received=block(tip.created_at),
    )


def receipt_message(language: str) -> str:
    return RECEIVED_MESSAGE[language]
