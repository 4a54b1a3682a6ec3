"""What API users and operators see of every service: documentation that works offline, a
valid OpenAPI document with readable operationIds, servers and described tags, creates that
declare their Location, and problem documents that say where input was wrong."""

import importlib
import re
from collections import Counter
from typing import Any

import pytest
from fastapi import FastAPI
from openapi_spec_validator import validate

from crossservice import SERVICES
from shared.settings import Environment
from shared.testing import api_client

pytestmark = pytest.mark.unit

OPERATION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
PUBLIC_URL = "https://trygg.example.se/api"
CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


def build(service: str) -> FastAPI:
    """The service's app on its development settings: nothing here reaches a database."""
    config = importlib.import_module(f"{service}.config")
    settings = config.Settings(environment=Environment.DEVELOPMENT)
    if service == "notify":
        settings = settings.model_copy(
            update={"public": settings.public.model_copy(update={"base_url": PUBLIC_URL})}
        )
    else:
        settings = settings.model_copy(update={"public_base_url": PUBLIC_URL})
    app: FastAPI = importlib.import_module(f"{service}.app").create_app(settings)
    return app


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


@pytest.mark.parametrize("service", SERVICES)
async def test_docs_load_only_assets_the_service_serves_itself(service: str) -> None:
    async with api_client(build(service)) as client:
        page = await client.get("/docs")
        assert page.status_code == 200
        assert not re.search(r"https?://", page.text), "the page reaches outside the service"
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert len(assets) == 3  # the script, the stylesheet, the icon
        for asset in assets:
            response = await client.get(asset)
            assert response.status_code == 200, asset
            expected = CONTENT_TYPES[asset[asset.rindex(".") :]]
            assert expected in response.headers["content-type"], asset
        assert "url: '/openapi.json'" in page.text
        assert (await client.get("/docs/oauth2-redirect")).status_code == 200
        assert (await client.get("/redoc")).status_code == 404


@pytest.mark.parametrize("service", SERVICES)
def test_the_document_is_valid_openapi(service: str) -> None:
    validate(build(service).openapi())


@pytest.mark.parametrize("service", SERVICES)
def test_operation_ids_are_route_names_unique_in_the_service(service: str) -> None:
    app = build(service)
    ids = Counter(op["operationId"] for _, _, op in operations(app.openapi()))
    assert [name for name, n in ids.items() if n > 1] == []
    assert [name for name in ids if not OPERATION_ID.match(name)] == []
    assert "livez" in ids


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_has_a_tag_and_every_tag_is_described(service: str) -> None:
    document = build(service).openapi()
    described = {tag["name"] for tag in document["tags"] if tag.get("description")}
    for method, path, operation in operations(document):
        assert operation.get("tags"), f"{method.upper()} {path} has no tag"
        assert set(operation["tags"]) <= described, f"{method.upper()} {path}"


@pytest.mark.parametrize("service", SERVICES)
def test_servers_are_this_server_and_the_public_address(service: str) -> None:
    servers = [server["url"] for server in build(service).openapi()["servers"]]
    assert servers == ["/", PUBLIC_URL]


@pytest.mark.parametrize("service", SERVICES)
def test_every_create_declares_its_location(service: str) -> None:
    created = [
        (method, path, operation["responses"]["201"])
        for method, path, operation in operations(build(service).openapi())
        if "201" in operation["responses"]
    ]
    assert created
    for method, path, response in created:
        assert "Location" in response.get("headers", {}), f"{method.upper()} {path}"


@pytest.mark.parametrize("service", SERVICES)
def test_problem_documents_say_where_in_the_body_or_which_parameter(service: str) -> None:
    schemas = build(service).openapi()["components"]["schemas"]
    field_error = schemas["FieldError"]["properties"]
    assert {"detail", "pointer", "parameter"} <= set(field_error)
    assert "RFC 6901" in field_error["pointer"]["description"]
    parameter = schemas["ParameterRef"]["properties"]
    assert parameter["in"]["enum"] == ["query", "path", "header", "cookie"]
