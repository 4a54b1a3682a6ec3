"""What every service's Schemathesis test shares: the statuses that count as refusing bad data
and accepting good data, the sweep that every route but the open ones wants a token, and the
check that every operation is documented."""

import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import httpx
from schemathesis.config import SchemathesisConfig

# 413: a generated body may pass the size limit; refusing it is right, whatever its content.
REFUSALS = ["400", "401", "403", "404", "405", "409", "413", "415", "422"]


def fuzz_config(acceptances: list[str]) -> SchemathesisConfig:
    """Schema-invalid data must be refused; schema-valid data may still meet the rules and
    data a JSON Schema cannot carry (`acceptances` says with which statuses)."""
    return SchemathesisConfig.from_dict(
        {
            "checks": {
                "negative_data_rejection": {"expected-statuses": REFUSALS},
                "positive_data_acceptance": {"expected-statuses": acceptances},
            }
        }
    )


async def calls_without_token(
    client: httpx.AsyncClient,
    document: Mapping[str, Any],
    open_paths: re.Pattern[str],
    path_values: Mapping[str, str],
) -> int:
    """Calls every operation outside `open_paths` without a token and asserts each is refused
    (401, as a problem); returns how many were called. Path parameters take `path_values`, or
    a random UUID."""
    called = 0
    for path, operations in document["paths"].items():
        if open_paths.match(path):
            continue
        concrete = path
        for name, value in path_values.items():
            concrete = concrete.replace(f"{{{name}}}", value)
        concrete = re.sub(r"\{[a-z_]+\}", str(uuid.uuid4()), concrete)
        for method in operations:
            response = await client.request(method.upper(), concrete, json={})
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            called += 1
    return called


def assert_documented(
    document: Mapping[str, Any],
    open_paths: re.Pattern[str],
    error_formats: Iterable[str] = ("application/problem+json",),
    own_errors: re.Pattern[str] | None = None,
) -> None:
    """Every operation has a summary and a description; every one behind a token declares 401,
    403 and 422; every 4xx it declares comes in one of `error_formats`, except on paths of
    `own_errors` (a standard with an error format of its own)."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert operation.get("description"), where
            if not open_paths.match(path):
                assert {"401", "403", "422"} <= set(operation["responses"]), where
            if own_errors is not None and own_errors.match(path):
                continue
            for code, response in operation["responses"].items():
                if code.startswith("4"):
                    given = set(response.get("content", {}))
                    assert given & set(error_formats), (where, code)
