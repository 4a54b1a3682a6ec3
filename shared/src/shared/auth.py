"""OAuth2 bearer JWTs (RFC 9068 claims) with scopes per route and a `municipalities` claim."""

import re
import time
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from starlette.concurrency import run_in_threadpool

from shared.problems import Forbidden, Unauthenticated, problem_responses
from shared.settings import AuthSettings

# What every route behind a token can answer, for its `responses=`.
AUTH_PROBLEMS = problem_responses(Unauthenticated, Forbidden)
MUNICIPALITY_CODE = re.compile(r"^[0-9]{4}$")
_bearer = HTTPBearer(auto_error=False, description="A JWT access token (RFC 9068).")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's subject, scopes and the municipalities it may act for."""

    subject: str
    scopes: frozenset[str]
    municipalities: frozenset[str]

    def may_access(self, municipality: str) -> bool:
        return municipality in self.municipalities

    def require_municipality(self, municipality: str) -> None:
        """For writes into a municipality the token does not cover."""
        if not self.may_access(municipality):
            raise Forbidden(f"The token does not cover municipality {municipality}.")


class TokenVerifier:
    """Verifies tokens with pinned algorithms, a required issuer, audience and expiry."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwks_url) if settings.jwks_url else None

    async def verify(self, token: str) -> Principal:
        try:
            key = await self._key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=self._settings.algorithms,
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                options={"require": ["iss", "aud", "exp", "sub"]},
            )
        except (jwt.PyJWTError, ValueError) as exc:
            raise Unauthenticated(f"The access token is not valid: {exc}") from exc
        return _principal(claims)

    async def _key(self, token: str) -> Any:
        if self._jwks is not None:
            signing_key = await run_in_threadpool(self._jwks.get_signing_key_from_jwt, token)
            return signing_key.key
        if self._settings.secret is None:
            raise ValueError("no verification key is configured")
        return self._settings.secret.get_secret_value()


def _principal(claims: dict[str, Any]) -> Principal:
    municipalities = claims.get("municipalities", [])
    if not isinstance(municipalities, list) or not all(
        isinstance(m, str) and MUNICIPALITY_CODE.match(m) for m in municipalities
    ):
        raise Unauthenticated("The token's municipalities claim must list four-digit codes.")
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise Unauthenticated("The token's scope claim must be a space-separated string.")
    return Principal(str(claims["sub"]), frozenset(scope.split()), frozenset(municipalities))


async def authenticate(
    security_scopes: SecurityScopes,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("Send an access token as `Authorization: Bearer <token>`.")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(credentials.credentials)
    missing = set(security_scopes.scopes) - principal.scopes
    if missing:
        raise Forbidden(f"The token lacks the scope {' '.join(sorted(missing))}.")
    return principal


def mint_token(
    settings: AuthSettings,
    subject: str,
    scopes: list[str],
    municipalities: list[str],
    ttl_s: int = 3600,
) -> str:
    """A development token signed with the configured symmetric key."""
    if settings.secret is None:
        raise ValueError("minting needs a symmetric key (AUTH__SECRET)")
    now = int(time.time())
    claims = {
        "iss": settings.issuer,
        "aud": settings.audience,
        "sub": subject,
        "client_id": subject,
        "iat": now,
        "exp": now + ttl_s,
        "scope": " ".join(scopes),
        "municipalities": municipalities,
    }
    return jwt.encode(
        claims,
        settings.secret.get_secret_value(),
        algorithm=settings.algorithms[0],
        headers={"typ": "at+jwt"},
    )
