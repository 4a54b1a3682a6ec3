"""Who may call what.

`tips:read` reads tips and dialogues, `tips:write` triages, forwards and closes tips, writes
notes and records citizen dialogues, `tips:police` is needed besides to read or change a
restricted tip (one about offences: GDPR art. 10, the brottsdatalag), `tips:admin` configures a
municipality's categories and designated reporters, and `tips:report` lets a designated
reporter submit. A resident submits with no token, on public routes that are rate-limited and
size-limited instead.
"""

from typing import Annotated

from fastapi import Security

from shared import idempotency
from shared.auth import AUTH_PROBLEMS, Principal, authenticate
from shared.problems import BadRequest, InvalidInput, PayloadTooLarge, problem_responses

READ = "tips:read"
WRITE = "tips:write"
POLICE = "tips:police"
ADMIN = "tips:admin"
REPORT = "tips:report"

Reader = Annotated[Principal, Security(authenticate, scopes=[READ])]
Writer = Annotated[Principal, Security(authenticate, scopes=[WRITE])]
Admin = Annotated[Principal, Security(authenticate, scopes=[ADMIN])]
Reporting = Annotated[Principal, Security(authenticate, scopes=[REPORT])]


def may_read_restricted(principal: Principal) -> bool:
    return POLICE in principal.scopes


# Routes with a body: malformed JSON (400), or a body over the size limit (413).
BODY_PROBLEMS = problem_responses(BadRequest, PayloadTooLarge)
LISTED = {**AUTH_PROBLEMS, **problem_responses(InvalidInput)}
CREATED = {**idempotency.PROBLEMS, **LISTED, **BODY_PROBLEMS}
