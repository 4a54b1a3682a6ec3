"""Rate and size limits of the public routes (OWASP API4: messages cost money and attention).

Clients are counted by a hash of their IP address salted with the day, never by the address
itself, in PostgreSQL, so every API process shares the count. The count commits on its own,
so requests that fail count too. Bodies are capped before they are read or validated.
"""

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Receive, Scope, Send

from notify.config import PublicSettings
from shared.http import BodySizeLimit
from shared.problems import TooManyRequests

COUNT = text(
    """
    INSERT INTO rate_limit (bucket, window_start, hits) VALUES (:bucket, :window, 1)
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit.hits + 1
    RETURNING hits
    """
)
PURGE = text("DELETE FROM rate_limit WHERE window_start < now() - interval '1 day'")


def client_bucket(secret: str, client: str, route: str, now: datetime) -> str:
    """A bucket per client and route that no one can turn back into the IP address."""
    salt = f"{secret}:{now.date().isoformat()}".encode()
    return hmac.new(salt, f"{client}|{route}".encode(), hashlib.sha256).hexdigest()[:32]


async def hit(engine: AsyncEngine, bucket: str, now: datetime) -> int:
    window = now.replace(second=0, microsecond=0)
    async with engine.begin() as conn:
        return int((await conn.execute(COUNT, {"bucket": bucket, "window": window})).scalar_one())


async def limit_public(request: Request) -> None:
    """Refuse a client that asks too often."""
    settings: PublicSettings = request.app.state.settings.public
    now = datetime.now(UTC)
    client = request.client.host if request.client else "unknown"
    route = getattr(request.scope.get("route"), "path", request.url.path)
    bucket = client_bucket(settings.link_secret.get_secret_value(), client, route, now)
    if await hit(request.app.state.engine, bucket, now) > settings.rate_per_minute:
        raise TooManyRequests(
            "Too many requests from this address; try again in a minute.",
            headers={"Retry-After": str(60 - now.second)},
        )


RateLimited = Annotated[None, Depends(limit_public)]


PUBLIC_PREFIXES = ("/subscriptions", "/contacts/", "/sms/")


class PublicBodyLimit:
    """The service-wide body cap, tighter on the routes anyone may call."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.limited = BodySizeLimit(app, max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PUBLIC_PREFIXES):
            await self.limited(scope, receive, send)
        else:
            await self.app(scope, receive, send)
