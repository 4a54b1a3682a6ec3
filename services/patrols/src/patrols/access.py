"""Who may call what: `patrols:read` reads incidents, the situational picture, hot spots, rounds
and the promise's progress, `patrols:write` records and changes them. Every route needs a token:
residents reach patrols only through the tips they submit."""

from typing import Annotated

from fastapi import Security

from shared.auth import Principal, authenticate

READ = "patrols:read"
WRITE = "patrols:write"

Reader = Annotated[Principal, Security(authenticate, scopes=[READ])]
Writer = Annotated[Principal, Security(authenticate, scopes=[WRITE])]
