"""`Idempotency-Key` for POST routes that create things: a retried request creates nothing twice.

The first request with a key stores its response in the same transaction as what it created,
with the municipality that created thing belongs to and the ids of the resources the response
holds. A retry with the same key and the same body gets that response again, marked
`Idempotency-Replay: true` and with its `Location` again, if the caller's token covers that
municipality: a replay is a read, bounded like any other (403 otherwise). The same key with
another body is refused (422). Keys belong to the caller (token subject) and the request path,
and expire after `TTL_HOURS`.

An erasure `forget`s every stored response holding what it erased. The key stays claimed until
it expires, so a retry is refused (409) rather than creating again what was just erased.

A second request racing the first blocks on the key's row until the first commits, then replays.
A request that fails stores nothing, so its key can be retried.
"""

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Index, Integer, Table, Text, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import Principal
from shared.db import optional_tables
from shared.location import HEADER as LOCATION
from shared.location import Locator
from shared.problems import (
    Conflict,
    Forbidden,
    InvalidInput,
    Parameter,
    field_error,
    problem_responses,
)

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


# The stored responses; a service whose POST routes take an Idempotency-Key has this table.
IDEMPOTENCY_KEY = Table(
    "idempotency_key",
    optional_tables,
    Column("subject", Text, primary_key=True),
    Column("route", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("request_hash", Text, nullable=False),
    Column("response_status", Integer),
    Column("response_body", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("municipality_code", Text),
    Column("resource_ids", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("erased_at", DateTime(timezone=True)),
    Index("ix_idempotency_key_created_at", "created_at"),
    Index("ix_idempotency_key_resource_ids", "resource_ids", postgresql_using="gin"),
)


class IdempotencyKeyReused(InvalidInput):
    title = "Idempotency key reused with another request"


class IdempotentRequestInProgress(Conflict):
    title = "A request with this idempotency key is still in progress"


class IdempotentReplayForbidden(Forbidden):
    title = "The response stored for this idempotency key is outside the token's municipalities"


class IdempotentResponseErased(Conflict):
    title = "The response stored for this idempotency key was erased"


# What a keyed route may answer besides its own problems; merge it first, so the route's win.
PROBLEMS = problem_responses(IdempotencyKeyReused, IdempotentResponseErased)


@dataclass(frozen=True)
class Created:
    """What a create made: its response, the municipality it belongs to, the ids it holds."""

    response: BaseModel
    municipality_code: str
    resource_ids: Sequence[uuid.UUID | str]


EXPIRE = text(
    "DELETE FROM idempotency_key WHERE subject = :subject AND route = :route AND key = :key "
    "AND created_at < now() - make_interval(secs => :ttl_s)"
)
CLAIM = text(
    "INSERT INTO idempotency_key (subject, route, key, request_hash) "
    "VALUES (:subject, :route, :key, :hash) ON CONFLICT DO NOTHING RETURNING key"
)
STORED = text(
    "SELECT request_hash, response_status, response_body, municipality_code, erased_at "
    "FROM idempotency_key WHERE subject = :subject AND route = :route AND key = :key"
)
STORE = text(
    "UPDATE idempotency_key SET response_status = :status, response_body = CAST(:body AS jsonb), "
    "municipality_code = :municipality, resource_ids = :resources "
    "WHERE subject = :subject AND route = :route AND key = :key"
).bindparams(bindparam("resources", type_=ARRAY(Text)))
FORGET = text(
    "UPDATE idempotency_key SET response_body = NULL, erased_at = now() "
    "WHERE resource_ids && :ids AND erased_at IS NULL"
).bindparams(bindparam("ids", type_=ARRAY(Text)))
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
    principal: Principal,
    body: BaseModel,
    create: Callable[[], Awaitable[Created]],
    status_code: int = 201,
    locate: Locator | None = None,
) -> JSONResponse:
    """Run `create` once per key, or replay what the first run answered to whoever may read it.

    `locate` finds the `Location` of what was created in the response body, first time and
    replayed alike.
    """
    if key is None:
        payload = (await create()).response.model_dump(mode="json")
        return _response(request, payload, status_code, locate)
    ids = {
        "subject": principal.subject,
        "route": f"{request.method} {request.url.path}",
        "key": key,
    }
    digest = request_hash(body)
    conn = await session.connection()
    await conn.execute(EXPIRE, {**ids, "ttl_s": TTL_HOURS * 3600.0})
    if (await conn.execute(CLAIM, {**ids, "hash": digest})).first() is None:
        replayed = await _replay(session, principal, ids, digest)
        return _response(request, *replayed, locate, {REPLAY_HEADER: "true"})
    created = await create()
    payload = created.response.model_dump(mode="json")
    scope = {
        "municipality": created.municipality_code,
        "resources": [str(i) for i in created.resource_ids],
    }
    await conn.execute(STORE, {**ids, **scope, "status": status_code, "body": json.dumps(payload)})
    return _response(request, payload, status_code, locate)


def _response(
    request: Request,
    payload: Any,
    status_code: int,
    locate: Locator | None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    headers = dict(headers or {})
    if locate is not None and status_code == 201:
        headers[LOCATION] = locate.path(request, payload)
    return JSONResponse(payload, status_code=status_code, headers=headers)


async def _replay(
    session: AsyncSession, principal: Principal, ids: dict[str, str], digest: str
) -> tuple[Any, int]:
    conn = await session.connection()
    stored = (await conn.execute(STORED, ids)).one()
    if stored.response_status is None:
        raise IdempotentRequestInProgress()
    # Before the body is compared: a caller who may not read the response learns nothing of it.
    # A response stored before municipalities were recorded has none, and is shown to no one.
    if stored.municipality_code is None or not principal.may_access(stored.municipality_code):
        raise IdempotentReplayForbidden(
            f"The {HEADER} was used for a request this token may not read; use a new key."
        )
    if stored.request_hash != digest:
        raise IdempotencyKeyReused(
            f"The {HEADER} was already used for a request with a different body.",
            errors=[field_error("use a new key for a new request", Parameter("header", HEADER))],
        )
    if stored.erased_at is not None:
        raise IdempotentResponseErased(
            "What the first request created was erased since; it is not created again."
        )
    body: Any = stored.response_body
    return body, int(stored.response_status)


async def forget(session: AsyncSession, resource_ids: Sequence[uuid.UUID | str]) -> int:
    """Erase every stored response holding any of these resources; returns how many went.

    Call it in the transaction of the erasure. The keys stay, without their responses, until
    they expire: a retry is refused instead of creating again what was erased.
    """
    if not resource_ids:
        return 0
    conn = await session.connection()
    result = await conn.execute(FORGET, {"ids": [str(i) for i in resource_ids]})
    return int(getattr(result, "rowcount", 0) or 0)


async def purge(session: AsyncSession, ttl_hours: float = TTL_HOURS, batch: int = 5000) -> int:
    """Delete one bounded batch of expired keys; returns how many went."""
    conn = await session.connection()
    result = await conn.execute(PURGE, {"ttl_s": ttl_hours * 3600.0, "batch": batch})
    return int(getattr(result, "rowcount", 0) or 0)
