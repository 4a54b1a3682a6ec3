"""What every route of patrols will stand on: the service's scopes refuse the wrong
token, and its field problems render."""

import importlib

import pytest
from fastapi import APIRouter, FastAPI

from shared.app import create_service_app
from shared.testing import api_client, bearer

pytestmark = pytest.mark.unit
SKELETONS = ["patrols"]


def _app(service: str) -> FastAPI:
    access = importlib.import_module(f"{service}.access")
    errors = importlib.import_module(f"{service}.errors")
    config = importlib.import_module(f"{service}.config")
    router = APIRouter()

    @router.get("/read", summary="Read")
    async def read(principal: access.Reader) -> str:
        return str(principal.subject)

    @router.post("/write", summary="Write")
    async def write(principal: access.Writer) -> str:
        return str(principal.subject)

    @router.post("/refuse", summary="Refuse")
    async def refuse() -> None:
        raise errors.InvalidField("#body/area", "The area lies outside the municipality.")

    settings = config.Settings()
    return create_service_app(
        service=service, settings=settings, routers=[router], title="t", description="d"
    )


@pytest.mark.parametrize("service", SKELETONS)
@pytest.mark.parametrize(
    ("method", "path", "need"), [("GET", "/read", "read"), ("POST", "/write", "write")]
)
async def test_each_route_needs_its_scope(service: str, method: str, path: str, need: str) -> None:
    scope, other = f"{service}:{need}", f"{service}:{'write' if need == 'read' else 'read'}"
    async with api_client(_app(service)) as client:
        allowed = await client.request(method, path, headers=bearer([scope], ["0683"]))
        refused = await client.request(method, path, headers=bearer([other], ["0683"]))
        anonymous = await client.request(method, path)
    assert allowed.status_code == 200
    assert refused.status_code == 403
    assert scope in refused.json()["detail"]
    assert anonymous.status_code == 401


@pytest.mark.parametrize("service", SKELETONS)
async def test_an_invalid_field_is_a_problem_that_points_at_it(service: str) -> None:
    async with api_client(_app(service)) as client:
        response = await client.post("/refuse")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"detail": "The area lies outside the municipality.", "pointer": "#body/area"}
    ]
