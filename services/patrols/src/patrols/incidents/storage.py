"""Storing incidents, each once: from a report, an event or a round.

Every incident is stored by one statement, `INSERT ... ON CONFLICT DO NOTHING`, keyed by its
municipality, source and the source's own id: a retried report, a batch sent again and a
redelivered event create nothing twice. The hash of what was said about it tells a retry from
another incident under a used id; what to do about that is the caller's to decide.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Float, Text
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.domain import IncidentSource, utcnow
from shared import geo

Key = tuple[str, str]  # (source, external id)


@dataclass(frozen=True)
class NewIncident:
    """An incident to store; `submission_hash` tells a retry from another incident."""

    source: str
    external_id: str
    category: str
    occurred_at: datetime
    location: geo.Point | None
    locality: str | None
    submission_hash: str

    @property
    def key(self) -> Key:
        return (self.source, self.external_id)


@dataclass(frozen=True)
class Stored:
    """What storing did: the keys stored now, and the hash now stored under every key given."""

    created: frozenset[Key]
    hashes: dict[Key, str]

    def conflicts(self, incident: NewIncident) -> bool:
        return self.hashes[incident.key] != incident.submission_hash


def fingerprint(municipality: str, content: dict[str, Any]) -> str:
    """The hash of what was reported, in its JSON form, whatever form it came in."""
    canonical = json.dumps({"municipality": municipality, **content}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def new_incident(
    municipality: str,
    *,
    source: IncidentSource,
    external_id: str,
    category: str,
    occurred_at: datetime,
    location: geo.Point | None,
    locality: str | None,
) -> NewIncident:
    """An incident as an event or a round describes it, hashed from all it says."""
    content = {
        "source": source.value,
        "external_id": external_id,
        "category": category,
        "occurred_at": occurred_at.isoformat(),
        "location": location.model_dump(mode="json") if location else None,
        "locality": locality,
    }
    return NewIncident(
        source=source,
        external_id=external_id,
        category=category,
        occurred_at=occurred_at,
        location=location,
        locality=locality,
        submission_hash=fingerprint(municipality, content),
    )


INSERT = text(
    """
    INSERT INTO incident (id, municipality_code, source, external_id, category, occurred_at,
                          location, locality, reported_by, submission_hash, created_at)
    SELECT gen_random_uuid(), :municipality, r.source, r.external_id, r.category, r.occurred_at,
           CASE WHEN r.lon IS NULL THEN NULL
                ELSE ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) END,
           r.locality, :reported_by, r.submission_hash, :now
    FROM unnest(:sources, :external_ids, :categories, CAST(:occurred AS timestamptz[]),
                :lons, :lats, :localities, :hashes)
         WITH ORDINALITY AS r(source, external_id, category, occurred_at, lon, lat, locality,
                              submission_hash, n)
    ORDER BY r.n
    ON CONFLICT (municipality_code, source, external_id) DO NOTHING
    RETURNING source, external_id, submission_hash
    """
).bindparams(
    *(
        bindparam(name, type_=ARRAY(Text))
        for name in ("sources", "external_ids", "categories", "localities", "hashes")
    ),
    *(bindparam(name, type_=ARRAY(Float)) for name in ("lons", "lats")),
)
STORED_HASHES = text(
    """
    SELECT i.source, i.external_id, i.submission_hash
    FROM incident AS i
    JOIN unnest(:sources, :external_ids) AS k(source, external_id)
      ON i.source = k.source AND i.external_id = k.external_id
    WHERE i.municipality_code = :municipality
    """
).bindparams(bindparam("sources", type_=ARRAY(Text)), bindparam("external_ids", type_=ARRAY(Text)))


def _columns(incidents: Sequence[NewIncident]) -> dict[str, list[Any]]:
    places = [i.location.coordinates if i.location else (None, None) for i in incidents]
    return {
        "sources": [i.source for i in incidents],
        "external_ids": [i.external_id for i in incidents],
        "categories": [i.category for i in incidents],
        "occurred": [i.occurred_at for i in incidents],
        "lons": [lon for lon, _ in places],
        "lats": [lat for _, lat in places],
        "localities": [i.locality for i in incidents],
        "hashes": [i.submission_hash for i in incidents],
    }


async def add_incidents(
    session: AsyncSession, municipality: str, reported_by: str, incidents: Sequence[NewIncident]
) -> Stored:
    """Stores the incidents not stored before, in one statement; the first of two with one key
    in the same call is the one stored. Decides nothing about conflicts: the caller does."""
    if not incidents:
        return Stored(frozenset(), {})
    conn = await session.connection()
    params = {
        "municipality": municipality,
        "reported_by": reported_by,
        "now": utcnow(),
        **_columns(incidents),
    }
    inserted = (await conn.execute(INSERT, params)).all()
    hashes = {(row.source, row.external_id): row.submission_hash for row in inserted}
    created = frozenset(hashes)
    skipped = {i.key for i in incidents} - created
    if skipped:
        # Read after the insert, so a report another transaction committed meanwhile is seen.
        keys = {"sources": [s for s, _ in skipped], "external_ids": [e for _, e in skipped]}
        earlier = await conn.execute(STORED_HASHES, {"municipality": municipality, **keys})
        hashes |= {(row.source, row.external_id): row.submission_hash for row in earlier}
    return Stored(created, hashes)
