"""The rate limit of the routes anyone may call (OWASP API4): the promise's pages and the public
summary of a week, per client and route and minute.

A client is a hash of its IP address salted with a secret and the day (`shared.ratelimit`), so
nothing stored can be turned back into an address.
"""

from fastapi import Depends, Request
from pydantic import SecretStr

from patrols.config import app_settings
from shared.ratelimit import rate_limit


def _per_minute(request: Request) -> int:
    return app_settings(request).public.rate_per_minute


def _salt(request: Request) -> SecretStr:
    return app_settings(request).public.rate_limit_secret


limit_public = rate_limit(_per_minute, _salt)
LIMITED = [Depends(limit_public)]
