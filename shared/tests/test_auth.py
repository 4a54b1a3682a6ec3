"""Bearer tokens: pinned algorithms, required claims, scopes and municipalities."""

import time
from typing import Annotated

import jwt
import pytest
from fastapi import APIRouter, Security

from shared.app import create_service_app
from shared.auth import Principal, authenticate, mint_token
from shared.settings import DEV_JWT_SECRET, AuthSettings, DatabaseSettings, ServiceSettings
from shared.testing import api_client, bearer

pytestmark = pytest.mark.unit

router = APIRouter()


@router.get("/things", summary="Read things")
async def read_things(
    principal: Annotated[Principal, Security(authenticate, scopes=["things:read"])],
) -> dict[str, object]:
    return {"sub": principal.subject, "municipalities": sorted(principal.municipalities)}


def _app() -> object:
    settings = ServiceSettings(db=DatabaseSettings(url="postgresql+asyncpg://u:p@127.0.0.1:1/x"))
    return create_service_app(
        service="test", settings=settings, routers=[router], title="t", description="d"
    )


def _token(**claims: object) -> dict[str, str]:
    now = int(time.time())
    body = {
        "iss": "trygg-dev",
        "aud": "trygg",
        "sub": "s",
        "exp": now + 60,
        "scope": "things:read",
        "municipalities": ["0683"],
        **claims,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return {"Authorization": f"Bearer {jwt.encode(body, DEV_JWT_SECRET, algorithm='HS256')}"}


async def _get(headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    async with api_client(_app()) as client:  # type: ignore[arg-type]
        response = await client.get("/things", headers=headers)
    return response.status_code, response.json()


class TestAuthentication:
    async def test_valid_token_reaches_the_route(self) -> None:
        status, body = await _get(bearer(["things:read"], ["0683", "0662"], subject="anna"))
        assert (status, body) == (200, {"sub": "anna", "municipalities": ["0662", "0683"]})

    async def test_missing_token_is_401_problem(self) -> None:
        status, body = await _get({})
        assert status == 401
        assert body["type"] == "https://trygg.se/problems/unauthenticated"

    @pytest.mark.parametrize(
        "claims",
        [
            {"exp": 1},
            {"aud": "someone-else"},
            {"iss": "elsewhere"},
            {"sub": None},
            {"exp": None},
            {"municipalities": ["683"]},
            {"municipalities": "0683"},
        ],
        ids=["expired", "audience", "issuer", "no-sub", "no-exp", "bad-code", "not-a-list"],
    )
    async def test_invalid_tokens_are_refused(self, claims: dict[str, object]) -> None:
        status, _ = await _get(_token(**claims))
        assert status == 401

    async def test_unsigned_token_is_refused(self) -> None:
        token = jwt.encode(
            {
                "iss": "trygg-dev",
                "aud": "trygg",
                "sub": "s",
                "exp": int(time.time()) + 60,
                "scope": "things:read",
            },
            None,
            algorithm="none",
        )
        status, _ = await _get({"Authorization": f"Bearer {token}"})
        assert status == 401

    async def test_token_signed_with_another_key_is_refused(self) -> None:
        other = AuthSettings(secret="another-key-another-key-another-key!")  # type: ignore[arg-type]
        status, _ = await _get(
            {"Authorization": "Bearer " + mint_token(other, "s", ["things:read"], ["0683"])}
        )
        assert status == 401


class TestScopes:
    async def test_missing_scope_is_403_problem(self) -> None:
        status, body = await _get(bearer(["things:write"], ["0683"]))
        assert status == 403
        assert "things:read" in str(body["detail"])

    def test_principal_is_bounded_by_its_municipalities(self) -> None:
        principal = Principal("s", frozenset(), frozenset({"0683"}))
        assert principal.may_access("0683")
        assert not principal.may_access("0662")
