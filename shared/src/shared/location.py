"""`Location` of what a create made: the path of the route that reads it again.

A create route answers 201 with `Location` (RFC 9110, 10.2.2). The path comes from the reading
route's name (its operationId) by `url_path_for`, so it cannot drift from the routes. A replayed
response (`Idempotency-Key`) has its `Location` made again from the stored body by a `Locator`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response

HEADER = "Location"

# Merge into a create route's `responses=`: the 201 declares its Location header.
CREATED: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "Created; `Location` is where it is read again.",
        "headers": {
            HEADER: {
                "description": "The path of what was created.",
                "schema": {"type": "string", "format": "uri-reference"},
            }
        },
    }
}


def path_of(request: Request, route: str, **params: object) -> str:
    """The path of the route named `route` (a route function's name) with these parameters."""
    return str(request.app.url_path_for(route, **{k: str(v) for k, v in params.items()}))


@dataclass(frozen=True)
class Locator:
    """Where a create's response is read again: the route named `route`, its path parameters
    taken from the response fields named in `fields`, and those named in `kept` from the
    create request's own path."""

    route: str
    fields: Mapping[str, str] = field(default_factory=dict)
    kept: tuple[str, ...] = ()

    def path(self, request: Request, body: Mapping[str, Any]) -> str:
        params = {name: request.path_params[name] for name in self.kept}
        params |= {name: body[source] for name, source in self.fields.items()}
        return path_of(request, self.route, **params)


def set_location(response: Response, request: Request, route: str, **params: object) -> None:
    """Points `response` at the route named `route` with these path parameters."""
    response.headers[HEADER] = path_of(request, route, **params)
