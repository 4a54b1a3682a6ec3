"""Rate limits of the routes anyone may call (OWASP API4; GDPR art. 5(1)(c)).

A client is a hash of its IP address salted with a secret and the day (`shared.ratelimit`), so
nothing stored can be turned back into an address and yesterday's counts cannot be linked to
today's. Submissions from the form, the JSON route and Open311 share one count per client, per
minute and per day, and one count for everyone together, so a flood cannot bury the staff.
"""

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.problems import TooManyRequests
from shared.ratelimit import client_bucket, hit, rate_limit
from tips.config import PublicSettings, app_settings

SUBMISSIONS = "submissions"
DAY_COUNT = text("SELECT coalesce(sum(hits), 0) FROM rate_limit WHERE bucket = :bucket")


def _public(request: Request) -> PublicSettings:
    return app_settings(request).public


def _salt(request: Request) -> SecretStr:
    return _public(request).rate_limit_secret


limit_reads = rate_limit(lambda request: _public(request).reads_per_minute, _salt)


async def limit_submissions(request: Request) -> None:
    """Refuses (429) a submission past the client's or everyone's limit."""
    settings = _public(request)
    now: datetime = request.app.state.clock()
    engine: AsyncEngine = request.app.state.engine
    client = request.client.host if request.client else "unknown"
    bucket = client_bucket(settings.rate_limit_secret.get_secret_value(), client, SUBMISSIONS, now)
    if await hit(engine, bucket, now) > settings.submissions_per_minute:
        raise _refused("Too many tips from this address; try again in a minute.", now)
    # The bucket's salt changes at midnight, so its rows hold exactly today's submissions.
    async with engine.connect() as conn:
        today = int((await conn.execute(DAY_COUNT, {"bucket": bucket})).scalar_one())
    if today > settings.submissions_per_day:
        raise TooManyRequests(
            "Too many tips from this address today; try again tomorrow.",
            headers={"Retry-After": str(_seconds_to_midnight(now))},
        )
    if await hit(engine, f"global:{SUBMISSIONS}", now) > settings.global_submissions_per_minute:
        raise _refused("Too many tips are arriving just now; try again in a minute.", now)


def _refused(detail: str, now: datetime) -> TooManyRequests:
    return TooManyRequests(detail, headers={"Retry-After": str(60 - now.second)})


def _seconds_to_midnight(now: datetime) -> int:
    return 86_400 - (now.hour * 3600 + now.minute * 60 + now.second)


ReadRateLimited = Annotated[None, Depends(limit_reads)]
SubmissionRateLimited = Annotated[None, Depends(limit_submissions)]

# The routes anyone may call, whose bodies have the tighter limits.
PUBLIC_PREFIXES = ("/public/", "/open311/")
