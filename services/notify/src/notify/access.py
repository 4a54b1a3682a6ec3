"""Who may call what: `notify:read` reads the directory and the delivery log, `notify:write`
manages stakeholders and webhooks, resends and sends messages."""

from typing import Annotated

from fastapi import Security

from shared import idempotency
from shared.auth import AUTH_PROBLEMS, Principal, authenticate
from shared.problems import BadRequest, InvalidInput, PayloadTooLarge, problem_responses

READ = "notify:read"
WRITE = "notify:write"

Reader = Annotated[Principal, Security(authenticate, scopes=[READ])]
Writer = Annotated[Principal, Security(authenticate, scopes=[WRITE])]

LISTED = {**AUTH_PROBLEMS, **problem_responses(BadRequest, InvalidInput, PayloadTooLarge)}
# Routes that create things and take an Idempotency-Key: a replay may be refused too.
KEYED = {**idempotency.PROBLEMS, **LISTED}
