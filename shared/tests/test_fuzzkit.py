"""The fuzz tier's own checks find what they are there to find: a record one municipality
created that another municipality's token can read, and a route that takes no token."""

import uuid
from typing import Annotated

import pytest
import schemathesis
from fastapi import Depends, FastAPI, HTTPException, Path, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from fuzzkit import HOME, STRANGER, fuzz, fuzz_config
from shared.testing import bearer

pytestmark = pytest.mark.unit

HOME_TOKEN = bearer(["things:write"], [HOME])
STRANGER_TOKEN = bearer(["things:write"], [STRANGER])
MUNICIPALITY_OF = {HOME_TOKEN["Authorization"]: HOME, STRANGER_TOKEN["Authorization"]: STRANGER}
REFUSED = {401: {"description": "No token, or not ours"}, 404: {"description": "No such thing"}}
CREATED = {201: {"headers": {"Location": {"schema": {"type": "string"}}}}}


class Thing(BaseModel):
    id: uuid.UUID


def things_app(*, leaks_to_others: bool = False, asks_for_token: bool = True) -> FastAPI:
    """Things each belong to the municipality whose token created them; reading one is
    refused to every other municipality, unless the app `leaks_to_others`."""
    app = FastAPI()
    owners: dict[uuid.UUID, str] = {}
    scheme = HTTPBearer(auto_error=False)

    def municipality(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(scheme)],
    ) -> str:
        header = f"Bearer {credentials.credentials}" if credentials else ""
        if header in MUNICIPALITY_OF:
            return MUNICIPALITY_OF[header]
        if asks_for_token:
            raise HTTPException(401)
        return HOME

    Municipality = Annotated[str, Depends(municipality)]

    @app.post("/things", status_code=201, responses={**CREATED, **REFUSED})
    def create_thing(response: Response, caller: Municipality) -> Thing:
        thing = Thing(id=uuid.uuid4())
        owners[thing.id] = caller
        response.headers["Location"] = f"/things/{thing.id}"
        return thing

    @app.get("/things/{thing_id}", responses=REFUSED)
    def get_thing(
        thing_id: Annotated[uuid.UUID, Path(examples=[uuid.UUID(int=1)])], caller: Municipality
    ) -> Thing:
        owner = owners.get(thing_id)
        if owner is None or (owner != caller and not leaks_to_others):
            raise HTTPException(404)
        return Thing(id=thing_id)

    return app


def fuzz_things(app: FastAPI) -> list[str]:
    config = fuzz_config(
        home=HOME_TOKEN, stranger=STRANGER_TOKEN, acceptances=None, examples=5, scenarios=10
    )
    report = fuzz(schemathesis.openapi.from_asgi("/openapi.json", app, config=config))
    report.assert_every_phase_ran()
    return report.failures


def test_an_app_that_keeps_each_municipality_to_its_own_things_passes() -> None:
    assert fuzz_things(things_app()) == []


def test_a_thing_another_municipality_can_read_is_found() -> None:
    failures = fuzz_things(things_app(leaks_to_others=True))
    assert any("other_municipality_is_refused on GET /things/" in f for f in failures), failures


def test_a_route_that_takes_no_token_is_found() -> None:
    failures = fuzz_things(things_app(asks_for_token=False))
    assert any("ignored_auth" in failure for failure in failures), failures
