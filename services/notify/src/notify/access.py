"""Who may call what: `notify:read` reads the directory and the delivery log, `notify:write`
manages stakeholders and webhooks, resends and sends messages."""

from typing import Annotated

from fastapi import Security

from shared.auth import Principal, authenticate
from shared.problems import Forbidden, Unauthenticated, problem_responses

READ = "notify:read"
WRITE = "notify:write"

Reader = Annotated[Principal, Security(authenticate, scopes=[READ])]
Writer = Annotated[Principal, Security(authenticate, scopes=[WRITE])]

AUTH_PROBLEMS = problem_responses(Unauthenticated, Forbidden)
