"""RFC 9457 problem documents from one handler."""

from typing import Annotated

import pytest
from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, field_validator

from shared.app import create_service_app
from shared.idempotency import IdempotencyKeyReused
from shared.problems import BadRequest, Conflict, InvalidField, InvalidInput, NotFound, json_pointer
from shared.settings import DatabaseSettings, ServiceSettings
from shared.testing import api_client

pytestmark = pytest.mark.unit


class ThingClash(Conflict):
    title = "Thing already exists"


class ThingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    size: int


router = APIRouter()


@router.post("/things", summary="Create a thing")
async def create_thing(thing: Annotated[ThingCreate, Body()]) -> dict[str, str]:
    if thing.name == "taken":
        raise ThingClash("A thing named taken exists.", existing="taken")
    return {"name": thing.name}


@router.get("/boom", summary="Fail unexpectedly")
async def boom() -> None:
    raise RuntimeError("secret internals")


def _client(raise_app_exceptions: bool = True) -> object:
    settings = ServiceSettings(db=DatabaseSettings(url="postgresql+asyncpg://u:p@127.0.0.1:1/x"))
    app = create_service_app(
        service="test", settings=settings, routers=[router], title="t", description="d"
    )
    return api_client(app, raise_app_exceptions)


async def test_typed_problem_is_rendered_with_its_type_title_and_extensions() -> None:
    async with _client() as client:  # type: ignore[attr-defined]
        response = await client.post("/things", json={"name": "taken", "size": 1})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://trygg.se/problems/thing-clash",
        "title": "Thing already exists",
        "status": 409,
        "detail": "A thing named taken exists.",
        "instance": "/things",
        "existing": "taken",
    }


async def test_validation_errors_list_each_field_with_a_json_pointer() -> None:
    async with _client() as client:  # type: ignore[attr-defined]
        response = await client.post("/things", json={"size": "big", "colour": "red"})
    body = response.json()
    assert response.status_code == 422
    assert body["type"] == "https://trygg.se/problems/invalid-input"
    pointers = {e["pointer"] for e in body["errors"]}
    assert pointers == {"/name", "/size", "/colour"}


async def test_unexpected_errors_are_500_problems_without_internals() -> None:
    async with _client(raise_app_exceptions=False) as client:  # type: ignore[attr-defined]
        response = await client.get("/boom")
    assert response.status_code == 500
    assert "secret" not in response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_oversized_bodies_are_refused_before_the_route() -> None:
    async with _client() as client:  # type: ignore[attr-defined]
        response = await client.post(
            "/things",
            content=b"x" * (1024 * 1024 + 1),
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 413
    assert response.json()["title"] == "Payload too large"


def test_json_pointer_escapes_special_characters() -> None:
    assert json_pointer(("body", "a/b", "c~d", 0)) == "/a~1b/c~0d/0"


@router.get("/listing", summary="List things")
async def listing(limit: int = 10) -> dict[str, int]:
    return {"limit": limit}


class Checked(BaseModel):
    items: list[ThingCreate]

    @field_validator("items")
    @classmethod
    def not_empty(cls, items: list[ThingCreate]) -> list[ThingCreate]:
        if not items:
            raise ValueError("give at least one item")
        return items


@router.post("/checked", summary="A body with a validator")
async def checked(body: Checked) -> dict[str, int]:
    return {"items": len(body.items)}


async def test_body_errors_point_into_the_body_per_rfc_6901() -> None:
    async with _client() as client:  # type: ignore[attr-defined]
        response = await client.post("/checked", json={"items": [{"name": "a", "size": "x"}]})
    assert [e["pointer"] for e in response.json()["errors"]] == ["/items/0/size"]
    assert "parameter" not in response.json()["errors"][0]


async def test_parameter_errors_name_the_parameter_and_where_it_is() -> None:
    async with _client() as client:  # type: ignore[attr-defined]
        response = await client.get("/listing", params={"limit": "many"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["parameter"] == {"in": "query", "name": "limit"}
    assert "pointer" not in error


async def test_a_validators_reason_is_given_without_pydantics_prefix() -> None:
    async with _client() as client:  # type: ignore[attr-defined]
        response = await client.post("/checked", json={"items": []})
    [error] = response.json()["errors"]
    assert error == {"detail": "give at least one item", "pointer": "/items"}


def test_each_problem_type_has_a_title_of_its_own() -> None:
    types = [BadRequest, InvalidInput, InvalidField, Conflict, NotFound, IdempotencyKeyReused]
    assert len({t.slug() for t in types}) == len({t.title for t in types}) == len(types)
