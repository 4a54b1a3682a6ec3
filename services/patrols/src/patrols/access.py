"""Who may call what.

`patrols:read` reads incidents, hot spots, the ranking, dosage and evaluations; `patrols:write`
reports incidents and designates and retires hot spots; `patrols:plan` plans rounds and reads
and works them — the unit, its plan and its positions are known before and during a round only
to those who hold it (the police and whom they choose). Every route needs a token: residents
reach patrols only through the tips they send and the round summaries notify tells them.
"""

from typing import Annotated

from fastapi import Security

from shared import idempotency
from shared.auth import AUTH_PROBLEMS, Principal, authenticate
from shared.problems import BadRequest, InvalidInput, PayloadTooLarge, problem_responses

READ = "patrols:read"
WRITE = "patrols:write"
PLAN = "patrols:plan"

Reader = Annotated[Principal, Security(authenticate, scopes=[READ])]
Writer = Annotated[Principal, Security(authenticate, scopes=[WRITE])]
Planner = Annotated[Principal, Security(authenticate, scopes=[PLAN])]

# Routes with a body: malformed JSON (400), or a body over the size limit (413).
BODY_PROBLEMS = problem_responses(BadRequest, PayloadTooLarge)
LISTED = {**AUTH_PROBLEMS, **problem_responses(InvalidInput)}
CREATED = {**idempotency.PROBLEMS, **LISTED, **BODY_PROBLEMS}
