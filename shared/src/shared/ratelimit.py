"""Per-client rate limits of the routes anyone may call (OWASP API4).

Clients are counted by a hash of their IP address salted with a secret and the day, never by the
address itself, in PostgreSQL, so every API process shares the count. The count commits on its
own, so requests that fail count too. Windows are whole minutes.
"""

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import Request
from pydantic import SecretStr
from sqlalchemy import Column, DateTime, Integer, Table, Text, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import optional_tables
from shared.problems import TooManyRequests

# Hits per hashed client and minute; a service that limits its public routes has this table.
RATE_LIMIT = Table(
    "rate_limit",
    optional_tables,
    Column("bucket", Text, primary_key=True),
    Column("window_start", DateTime(timezone=True), primary_key=True),
    Column("hits", Integer, nullable=False),
)

COUNT = text(
    """
    INSERT INTO rate_limit (bucket, window_start, hits) VALUES (:bucket, :window, 1)
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit.hits + 1
    RETURNING hits
    """
)
PURGE = text("DELETE FROM rate_limit WHERE window_start < now() - interval '1 day'")

RequestSetting = Callable[[Request], int]
RequestSecret = Callable[[Request], SecretStr]


def client_bucket(secret: str, client: str, route: str, now: datetime) -> str:
    """A bucket per client and route that no one can turn back into the IP address."""
    salt = f"{secret}:{now.date().isoformat()}".encode()
    return hmac.new(salt, f"{client}|{route}".encode(), hashlib.sha256).hexdigest()[:32]


async def hit(engine: AsyncEngine, bucket: str, now: datetime) -> int:
    """Count one request in the bucket's current minute; returns the minute's count."""
    window = now.replace(second=0, microsecond=0)
    async with engine.begin() as conn:
        return int((await conn.execute(COUNT, {"bucket": bucket, "window": window})).scalar_one())


def rate_limit(
    per_minute: RequestSetting, secret: RequestSecret
) -> Callable[[Request], Awaitable[None]]:
    """A route dependency refusing (429) a client past `per_minute` requests to the route.

    Both are read from the request (its app's settings) on every call, so a setting changed at
    run time applies at once; the time is the app's `state.clock`.
    """

    async def limit(request: Request) -> None:
        now: datetime = request.app.state.clock()
        client = request.client.host if request.client else "unknown"
        route = getattr(request.scope.get("route"), "path", request.url.path)
        bucket = client_bucket(secret(request).get_secret_value(), client, route, now)
        if await hit(request.app.state.engine, bucket, now) > per_minute(request):
            raise TooManyRequests(
                "Too many requests from this address; try again in a minute.",
                headers={"Retry-After": str(60 - now.second)},
            )

    return limit
