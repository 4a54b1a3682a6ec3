"""RFC 9457 problem details: typed exceptions and the one handler that renders them."""

import logging
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, NamedTuple

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """Base of every expected failure. Subclasses set `status` and `title`."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal Server Error"

    def __init__(
        self, detail: str | None = None, headers: dict[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = headers
        self.extensions = extensions

    @classmethod
    def slug(cls) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "-", cls.__name__).lower()


class BadRequest(Problem):
    status = 400
    title = "Bad request"


class Unauthenticated(Problem):
    status = 401
    title = "Authentication required"


class Forbidden(Problem):
    status = 403
    title = "Forbidden"


class NotFound(Problem):
    status = 404
    title = "Not found"


class Conflict(Problem):
    status = 409
    title = "Conflict"


class PayloadTooLarge(Problem):
    status = 413
    title = "Payload too large"


class InvalidInput(Problem):
    status = 422
    title = "Invalid input"


class Parameter(NamedTuple):
    """A query, path, header or cookie parameter an error is about, named as OpenAPI names it."""

    location: Literal["query", "path", "header", "cookie"]
    name: str


def in_query(name: str) -> Parameter:
    return Parameter("query", name)


def in_path(name: str) -> Parameter:
    return Parameter("path", name)


def field_error(detail: str, at: str | Parameter) -> dict[str, Any]:
    """One entry of a problem's `errors`: `at` is an RFC 6901 JSON Pointer into the request body
    ("" for the whole body, "/measures/0/deadline"), or a parameter."""
    if isinstance(at, Parameter):
        return {"detail": detail, "parameter": {"in": at.location, "name": at.name}}
    return {"detail": detail, "pointer": at}


class InvalidField(InvalidInput):
    """One field or parameter is wrong in a way the schema cannot say; `errors` names it."""

    title = "Invalid field"

    def __init__(self, at: str | Parameter, detail: str, **extensions: Any) -> None:
        super().__init__(detail, errors=[field_error(detail, at)], **extensions)


class TooManyRequests(Problem):
    status = 429
    title = "Too many requests"


class ServiceUnavailable(Problem):
    status = 503
    title = "Service unavailable"


class ParameterRef(BaseModel):
    """A request parameter, named as in the operation's OpenAPI `parameters`."""

    model_config = ConfigDict(populate_by_name=True)

    in_: Literal["query", "path", "header", "cookie"] = Field(alias="in")
    name: str


class FieldError(BaseModel):
    """What is wrong, and where: in the body (`pointer`) or in a parameter (`parameter`)."""

    detail: str
    pointer: str | None = Field(
        None,
        description="An RFC 6901 JSON Pointer into the request body: `/area`, "
        "`/measures/0/deadline`; the empty string is the whole body.",
        examples=["/measures/0/deadline"],
    )
    parameter: ParameterRef | None = Field(
        None, description="The query, path, header or cookie parameter, when not in the body."
    )


class ProblemDetails(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


def problem_responses(*problems: type[Problem]) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry that documents a route's problems in OpenAPI."""
    return {
        p.status: {"model": ProblemDetails, "description": p.title, "content": {MEDIA_TYPE: {}}}
        for p in problems
    }


def _render(
    request: Request,
    status: int,
    title: str,
    slug: str,
    detail: str | None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    base: str = request.app.state.problem_type_base
    body = {
        "type": f"{base}{slug}",
        "title": title,
        "status": status,
        "instance": request.url.path,
        **extensions,
    }
    if detail:
        body["detail"] = detail
    headers = {**(headers or {}), **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def json_pointer(loc: tuple[int | str, ...]) -> str:
    """The RFC 6901 pointer of a validation error's location, less its first part ("body")."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in loc[1:]]
    return "/" + "/".join(parts) if parts else ""


# pydantic prefixes what a validator raised; the reader needs only the reason.
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


def validation_message(message: str) -> str:
    for prefix in _PYDANTIC_PREFIXES:
        message = message.removeprefix(prefix)
    return message


def validation_error(error: Mapping[str, Any]) -> dict[str, Any]:
    """A pydantic or FastAPI validation error as an entry of `errors`."""
    loc = tuple(error["loc"])
    detail = validation_message(str(error["msg"]))
    if loc and loc[0] in ("query", "path", "header", "cookie") and len(loc) > 1:
        return field_error(detail, Parameter(loc[0], str(loc[1])))
    return field_error(detail, json_pointer(loc))


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return _render(
        request, exc.status, exc.title, exc.slug(), exc.detail, exc.headers, **exc.extensions
    )


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [validation_error(e) for e in exc.errors()]
    return _render(
        request,
        InvalidInput.status,
        InvalidInput.title,
        InvalidInput.slug(),
        "The request does not match the schema.",
        errors=errors,
    )


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, str(exc.detail))
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names only the first matching route's methods; RFC 9110 wants them all.
        headers["Allow"] = _allowed_methods(request)
    return _render(request, exc.status_code, title, slug, str(exc.detail), headers=headers)


def _allowed_methods(request: Request) -> str:
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        pattern = "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]+\}", template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {method.upper() for method in operations}
    return ", ".join(sorted(methods))


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _render(
        request,
        500,
        "Internal Server Error",
        "internal-server-error",
        "Something went wrong on our side; it has been logged.",
    )


def install_problem_handlers(app: FastAPI, type_base: str) -> None:
    app.state.problem_type_base = type_base
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_unexpected)
