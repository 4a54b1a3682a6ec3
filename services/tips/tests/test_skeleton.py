"""What every tips route stands on: its scopes refuse the wrong token, its problems render."""

import pytest
from fastapi import APIRouter, FastAPI

from shared.app import create_service_app
from shared.testing import api_client, bearer
from tips import access
from tips.config import Settings
from tips.errors import InvalidField

pytestmark = pytest.mark.unit

router = APIRouter()


@router.get("/read", summary="Read")
async def read(principal: access.Reader) -> str:
    return principal.subject


@router.post("/write", summary="Write")
async def write(principal: access.Writer) -> str:
    return principal.subject


@router.post("/refuse", summary="Refuse")
async def refuse() -> None:
    raise InvalidField("#body/area", "The area lies outside the municipality.")


def _app() -> FastAPI:
    return create_service_app(
        service="tips", settings=Settings(), routers=[router], title="t", description="d"
    )


class TestScopes:
    @pytest.mark.parametrize(
        ("method", "path", "scope"),
        [("GET", "/read", "tips:read"), ("POST", "/write", "tips:write")],
    )
    async def test_each_route_needs_its_scope(self, method: str, path: str, scope: str) -> None:
        other = {"tips:read", "tips:write"} - {scope}
        async with api_client(_app()) as client:
            allowed = await client.request(method, path, headers=bearer([scope], ["0683"]))
            refused = await client.request(method, path, headers=bearer(sorted(other), ["0683"]))
            anonymous = await client.request(method, path)
        assert allowed.status_code == 200
        assert refused.status_code == 403
        assert scope in refused.json()["detail"]
        assert anonymous.status_code == 401


async def test_an_invalid_field_is_a_problem_that_points_at_it() -> None:
    async with api_client(_app()) as client:
        response = await client.post("/refuse")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"detail": "The area lies outside the municipality.", "pointer": "#body/area"}
    ]
