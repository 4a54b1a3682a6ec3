"""Handing a message for a tipster to notify: `POST /direct-messages`, with an Idempotency-Key.

notify keeps what it was given under the key, so a hand-over retried after a lost answer, or
made by two workers at once, creates one message. What goes wrong comes back as an outcome
that says whether to try again; its text never holds the tipster's contact.
"""

import enum
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from shared.auth import mint_token
from tips.config import Settings

ROUTE = "/direct-messages"
SCOPE = "notify:write"  # notify's scope for sending messages
# The subject of the tokens the worker mints: notify keeps Idempotency-Keys per subject.
SUBJECT = "tips-feedback"
TOKEN_TTL_S = 300
# notify's answers that a later try may change: our token or its reach (an operator fixes the
# configuration), the same key still being handled, too many requests.
RETRIED = {401, 403, 409, 429}
KEY_REUSED = "idempotency-key-reused"


@dataclass(frozen=True)
class DirectMessage:
    """The body of notify's `POST /direct-messages`."""

    municipality_code: str
    email: str | None
    phone: str | None
    language: str
    subject: str
    body: str
    reference: str

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class Result(enum.Enum):
    SENT = "sent"  # notify has the message
    RETRY = "retry"  # try again later
    REFUSED = "refused"  # notify will never take it: trying again changes nothing


@dataclass(frozen=True)
class Handover:
    result: Result
    message_id: uuid.UUID | None = None
    error: str | None = None


def check_credentials(settings: Settings) -> None:
    """Refuse to start a worker that could never authenticate to notify."""
    if settings.notify.token is None and settings.auth.secret is None:
        raise SystemExit(
            "Set TIPS_NOTIFY__TOKEN (a token with notify:write for the municipalities served): "
            "without a signing key (AUTH__SECRET) the worker cannot mint one."
        )


def bearer(settings: Settings, municipality: str) -> str:
    if settings.notify.token is not None:
        return settings.notify.token.get_secret_value()
    return mint_token(settings.auth, SUBJECT, [SCOPE], [municipality], ttl_s=TOKEN_TTL_S)


async def hand_over(
    client: httpx.AsyncClient, settings: Settings, key: str, message: DirectMessage
) -> Handover:
    """One try at handing the message to notify."""
    headers = {
        "Authorization": f"Bearer {bearer(settings, message.municipality_code)}",
        "Idempotency-Key": key,
    }
    url = settings.notify.url.rstrip("/") + ROUTE
    try:
        response = await client.post(
            url, json=message.as_json(), headers=headers, timeout=settings.notify.timeout_s
        )
    except httpx.HTTPError as exc:
        # Transport errors name the address called, never the request's body.
        return Handover(Result.RETRY, error=f"notify unreachable: {type(exc).__name__}: {exc}")
    return outcome(response)


def outcome(response: httpx.Response) -> Handover:
    code = response.status_code
    problem = _problem(response)
    if code in (200, 201):
        return _sent(problem)
    if code == 422 and problem.get("type", "").endswith(KEY_REUSED):
        # notify has a message under this key already, made from an earlier text of ours.
        return Handover(Result.SENT, error="sent before; the text has changed since")
    error = _error(code, problem)
    if code in RETRIED or code >= 500:
        return Handover(Result.RETRY, error=error)
    return Handover(Result.REFUSED, error=error)


def _sent(message: dict[str, Any]) -> Handover:
    try:
        return Handover(Result.SENT, message_id=uuid.UUID(str(message["id"])))
    except (KeyError, ValueError):
        return Handover(Result.SENT, error="notify took the message but named no id")


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error(code: int, problem: dict[str, Any]) -> str:
    """notify's answer without its details: only titles and where, which hold no input."""
    title = str(problem.get("title", "no problem document"))
    errors = problem.get("errors")
    pointers = [_where(e) for e in errors if isinstance(e, dict)] if errors else []
    where = f" at {', '.join(pointers)}" if pointers else ""
    return f"notify answered {code}: {title}{where}"[:500]


def _where(error: dict[str, Any]) -> str:
    parameter = error.get("parameter")
    if isinstance(parameter, dict):
        return f"{parameter.get('in')} parameter {parameter.get('name')}"
    return str(error.get("pointer"))
