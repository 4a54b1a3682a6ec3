"""Rate and size limits of the public routes (OWASP API4: messages cost money and attention).

The counting is `shared.ratelimit`'s; here is what notify limits and by which settings. Bodies
are capped before they are read or validated.
"""

from typing import Annotated

from fastapi import Depends, Request
from pydantic import SecretStr

from notify.config import PublicSettings, app_settings
from shared.ratelimit import COUNT, PURGE, client_bucket, hit, rate_limit

__all__ = [
    "COUNT",
    "PURGE",
    "FeedRateLimited",
    "RateLimited",
    "ReportRateLimited",
    "client_bucket",
    "hit",
    "limit_public",
]


def _public(request: Request) -> PublicSettings:
    return app_settings(request).public


def _salt(request: Request) -> SecretStr:
    return _public(request).link_secret


limit_public = rate_limit(lambda request: _public(request).rate_per_minute, _salt)
# Feed readers and the SMS gateway call more often than a resident clicks, and from one address.
limit_feeds = rate_limit(lambda request: _public(request).feed_rate_per_minute, _salt)
limit_reports = rate_limit(lambda request: _public(request).report_rate_per_minute, _salt)

RateLimited = Annotated[None, Depends(limit_public)]
FeedRateLimited = Annotated[None, Depends(limit_feeds)]
ReportRateLimited = Annotated[None, Depends(limit_reports)]


# The routes anyone may call, whose bodies have the tighter `max_body_bytes` limit.
PUBLIC_PREFIXES = ("/subscriptions", "/subscribe/", "/contacts/", "/sms/")
