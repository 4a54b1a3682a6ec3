"""`Idempotency-Key` for POST routes that create things: a retried request creates nothing twice.

The first request with a key stores its response in the same transaction as what it created.
A retry with the same key and the same body gets that response again, marked with
`Idempotency-Replay: true`; the same key with another body is refused (422). Keys belong to the
caller (token subject) and the request path, and expire after `TTL_HOURS`.

A second request racing the first blocks on the key's row until the first commits, then replays.
A request that fails stores nothing, so its key can be retried.
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from alembic import op
from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.problems import Conflict, InvalidInput

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotency-Replay"
TTL_HOURS = 24

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description=(
            "A unique value (a UUID is best) chosen by the client. A retry with the same key and "
            f"body returns the first response again, marked `{REPLAY_HEADER}: true`."
        ),
    ),
]


class IdempotencyKeyReused(InvalidInput):
    title = "Idempotency key reused with another request"


class IdempotentRequestInProgress(Conflict):
    title = "A request with this idempotency key is still in progress"


EXPIRE = text(
    "DELETE FROM idempotency_key WHERE subject = :subject AND route = :route AND key = :key "
    "AND created_at < now() - make_interval(secs => :ttl_s)"
)
CLAIM = text(
    "INSERT INTO idempotency_key (subject, route, key, request_hash) "
    "VALUES (:subject, :route, :key, :hash) ON CONFLICT DO NOTHING RETURNING key"
)
STORED = text(
    "SELECT request_hash, response_status, response_body FROM idempotency_key "
    "WHERE subject = :subject AND route = :route AND key = :key"
)
STORE = text(
    "UPDATE idempotency_key SET response_status = :status, response_body = CAST(:body AS jsonb) "
    "WHERE subject = :subject AND route = :route AND key = :key"
)
PURGE = text(
    "DELETE FROM idempotency_key WHERE ctid IN (SELECT ctid FROM idempotency_key "
    "WHERE created_at < now() - make_interval(secs => :ttl_s) LIMIT :batch)"
)


def request_hash(body: BaseModel) -> str:
    """The body as parsed, so whitespace or key order do not make two requests differ."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def respond(
    session: AsyncSession,
    request: Request,
    *,
    key: str | None,
    subject: str,
    body: BaseModel,
    create: Callable[[], Awaitable[BaseModel]],
    status_code: int = 201,
) -> JSONResponse:
    """Run `create` once per key, or replay what the first run answered."""
    if key is None:
        return JSONResponse((await create()).model_dump(mode="json"), status_code=status_code)
    ids = {"subject": subject, "route": f"{request.method} {request.url.path}", "key": key}
    digest = request_hash(body)
    conn = await session.connection()
    await conn.execute(EXPIRE, {**ids, "ttl_s": TTL_HOURS * 3600.0})
    if (await conn.execute(CLAIM, {**ids, "hash": digest})).first() is None:
        return await _replay(session, ids, digest)
    payload = (await create()).model_dump(mode="json")
    await conn.execute(STORE, {**ids, "status": status_code, "body": json.dumps(payload)})
    return JSONResponse(payload, status_code=status_code)


async def _replay(session: AsyncSession, ids: dict[str, str], digest: str) -> JSONResponse:
    conn = await session.connection()
    stored = (await conn.execute(STORED, ids)).one()
    if stored.request_hash != digest:
        raise IdempotencyKeyReused(
            f"The {HEADER} was already used for a request with a different body.",
            errors=[{"detail": "use a new key for a new request", "pointer": f"#header/{HEADER}"}],
        )
    if stored.response_status is None:
        raise IdempotentRequestInProgress()
    body: Any = stored.response_body
    return JSONResponse(body, status_code=stored.response_status, headers={REPLAY_HEADER: "true"})


async def purge(session: AsyncSession, ttl_hours: float = TTL_HOURS, batch: int = 5000) -> int:
    """Delete one bounded batch of expired keys; returns how many went."""
    conn = await session.connection()
    result = await conn.execute(PURGE, {"ttl_s": ttl_hours * 3600.0, "batch": batch})
    return int(getattr(result, "rowcount", 0) or 0)


# --- migrations ---------------------------------------------------------------------------------


def create_table() -> None:
    """The `idempotency_key` table, for a service's Alembic migration."""
    op.execute(
        """
        CREATE TABLE idempotency_key (
          subject text NOT NULL,
          route text NOT NULL,
          key text NOT NULL,
          request_hash text NOT NULL,
          response_status integer,
          response_body jsonb,
          created_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT pk_idempotency_key PRIMARY KEY (subject, route, key)
        )
        """
    )
    op.execute("CREATE INDEX ix_idempotency_key_created_at ON idempotency_key (created_at)")


def drop_table() -> None:
    op.execute("DROP TABLE idempotency_key")
