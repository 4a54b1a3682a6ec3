"""Who may call what: the scopes of the walks API, and the request's public base URL.

`walks:read` reads, `walks:write` records walks, observations, plans and measures,
`walks:publish` publishes what residents are told about (protocols; publishing, revising and
withdrawing plans), and `walks:admin` configures a municipality's observation taxonomy.
Publishing has its own scope because it reaches residents: a field worker who records
observations need not be the official who answers for what is made public.
"""

from typing import Annotated

from fastapi import Depends, Security

from shared import idempotency
from shared.auth import AUTH_PROBLEMS, Principal, authenticate
from shared.problems import BadRequest, InvalidInput, PayloadTooLarge, problem_responses
from walks.config import SettingsDep
from walks.errors import WalkNotFound, WalkStatusConflict

READ = "walks:read"
WRITE = "walks:write"
PUBLISH = "walks:publish"
ADMIN = "walks:admin"

Reader = Annotated[Principal, Security(authenticate, scopes=[READ])]
Writer = Annotated[Principal, Security(authenticate, scopes=[WRITE])]
Publisher = Annotated[Principal, Security(authenticate, scopes=[PUBLISH])]
Admin = Annotated[Principal, Security(authenticate, scopes=[ADMIN])]


async def public_base_url(settings: SettingsDep) -> str:
    return settings.public_base_url.rstrip("/")


BaseUrl = Annotated[str, Depends(public_base_url)]

# Routes with a body: malformed JSON (400), or a body over the size limit (413).
BODY_PROBLEMS = problem_responses(BadRequest, PayloadTooLarge)
LISTED = {**AUTH_PROBLEMS, **problem_responses(InvalidInput)}
CREATED = {**idempotency.PROBLEMS, **LISTED, **BODY_PROBLEMS}
# Routes on one walk, and on what it holds: the walk may not exist, or not be in the status.
ON_WALK = {**AUTH_PROBLEMS, **problem_responses(WalkNotFound, InvalidInput)}
WALK_TRANSITION = {**ON_WALK, **problem_responses(WalkStatusConflict)}
WALK_CHANGE = {**WALK_TRANSITION, **BODY_PROBLEMS}
