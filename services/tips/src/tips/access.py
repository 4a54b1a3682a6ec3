"""Who may call what: `tips:read` reads tips and dialogue notes, `tips:write` triages and closes
tips and records dialogue notes. A resident submits a tip with no token, on a public route that
is rate-limited and size-limited instead."""

from typing import Annotated

from fastapi import Security

from shared.auth import Principal, authenticate

READ = "tips:read"
WRITE = "tips:write"

Reader = Annotated[Principal, Security(authenticate, scopes=[READ])]
Writer = Annotated[Principal, Security(authenticate, scopes=[WRITE])]
