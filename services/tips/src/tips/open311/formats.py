"""How the Open311 endpoint answers: XML or JSON as the path's suffix asks, and every failure in
the spec's error format (`[{"code", "description"}]`, `<errors><error>...`) instead of an RFC 9457
problem, on these routes only."""

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Coroutine, Sequence
from enum import StrEnum
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from pydantic import BaseModel
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from shared.problems import Problem
from tips.open311.schemas import InvalidParameter, Open311Error


class Format(StrEnum):
    XML = "xml"
    JSON = "json"


class UnknownFormat(Problem):
    status = 404
    title = "No such format"


MEDIA_TYPE = {Format.XML: "text/xml; charset=utf-8", Format.JSON: "application/json; charset=utf-8"}
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# The element of each list's items in the spec's XML; in JSON a list is an array.
ITEM = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all, not even escaped: dropped, so the answer stays
# well-formed whatever a stored text holds.
NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The statuses the spec names (403 for the api_key, 404 for what does not exist) and those a
# client must see to behave (405, 413, 429); any other refusal is the spec's catch-all 400.
KEPT_STATUSES = {403, 404, 405, 413, 429}


def requested(suffix: str) -> Format:
    """The format a path's suffix asks for; 404 for any other suffix."""
    try:
        return Format(suffix)
    except ValueError:
        raise UnknownFormat(f"No format {suffix!r}: ask for .xml or .json.") from None


def format_of(path: str) -> Format:
    """The format to fail in: JSON when the path asked for it, else the spec's own, XML."""
    return Format.JSON if path.endswith(".json") else Format.XML


def render(
    fmt: Format,
    root: str,
    content: BaseModel | Sequence[BaseModel],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    data = (
        content.model_dump(mode="json")
        if isinstance(content, BaseModel)
        else [item.model_dump(mode="json") for item in content]
    )
    body = json.dumps(data, ensure_ascii=False).encode() if fmt is Format.JSON else xml(root, data)
    return Response(body, status_code, headers, media_type=MEDIA_TYPE[fmt])


def xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    return DECLARATION + ET.tostring(element, encoding="unicode").encode()


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            _fill(ET.SubElement(element, name), item)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEM[element.tag]), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = NOT_XML.sub("", str(value))


def errors(fmt: Format, status: int, descriptions: list[str], **headers: str) -> Response:
    items = [Open311Error(code=status, description=d) for d in descriptions]
    return render(fmt, "errors", items, status, headers or None)


def answer_status(status: int) -> int:
    return status if status in KEPT_STATUSES or status >= 500 else 400


def _problem(request: Request, exc: Problem) -> Response:
    status = answer_status(exc.status)
    described: list[str] = exc.extensions.get("descriptions") or [
        f"{_where(e)}: {e['detail']}" for e in exc.extensions.get("errors", [])
    ]
    return errors(
        format_of(request.url.path),
        status,
        described or [exc.detail or exc.title],
        **(exc.headers or {}),
    )


def _invalid(request: Request, exc: RequestValidationError) -> Response:
    described = [f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors()]
    return errors(format_of(request.url.path), 400, described)


def _http(request: Request, exc: HTTPException) -> Response:
    status = answer_status(exc.status_code)
    return errors(format_of(request.url.path), status, [str(exc.detail)], **(exc.headers or {}))


class Open311Route(APIRoute):
    """A route whose failures are answered in the spec's error format; the app's handlers keep
    answering RFC 9457 problems on every other route.

    The failure is answered here, inside the request's dependencies, so the request's
    transaction commits after it: a use case that writes must undo its own writes when it fails
    (`submit_request` writes in a savepoint).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_in_spec_format(request: Request) -> Response:
            try:
                return await handle(request)
            except Problem as exc:
                return _problem(request, exc)
            except RequestValidationError as exc:
                return _invalid(request, exc)
            except HTTPException as exc:
                return _http(request, exc)

        return handle_in_spec_format


def methods_at(router: APIRouter, path: str) -> list[str]:
    """The methods the router's documented routes take at the path."""
    routes = [r for r in router.routes if isinstance(r, APIRoute) and r.include_in_schema]
    return sorted({m for r in routes if r.path_regex.match(path) for m in r.methods or ()})


async def read_form(request: Request) -> FormData:
    """The body of a new request: form-encoded, as the spec sends it."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in FORM_TYPES:
        raise InvalidParameter("Send the request as application/x-www-form-urlencoded.")
    return await request.form()


# OpenAPI shows the JSON; the XML has the same fields, as the spec's elements.
XML_CONTENT = {"text/xml": {"schema": {"type": "string", "description": "The spec's XML."}}}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entries of a route's failures, each in both formats."""
    described: dict[int | str, str] = {
        400: "A parameter is missing or not valid.",
        403: "Missing or invalid api_key.",
        404: "No such jurisdiction, service, request or format.",
        429: "Too many requests from this address; see Retry-After.",
        # Declared so that no 422 is: validation failures are the spec's 400 here.
        "4XX": "Any other refusal, such as 405 for a method the resource does not take.",
    }
    listed: list[int | str] = [*statuses, "4XX"]
    return {
        status: {
            "model": list[Open311Error],
            "content": XML_CONTENT,
            "description": described[status],
        }
        for status in listed
    }


def both_formats(description: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry of the answer: its model as JSON, and the same as XML."""
    return {200: {"description": description, "content": XML_CONTENT}}


def _where(error: dict[str, Any]) -> str:
    """A body field by its JSON Pointer, a parameter by its name."""
    parameter = error.get("parameter")
    return str(parameter["name"]) if isinstance(parameter, dict) else str(error.get("pointer"))
