"""The tips part of the demo: Värnamo's default categories, a designated reporter of a housing
company, and three tips — an anonymous one in Forsheda, the reporter's in Bredaryd, and one
that asks to hear back — plus one the form turns away to 112.

Tips are sent as residents and reporters send them, to the running tips API; each has a fixed
id, so loading the demo again stores nothing twice.
"""

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from shared.auth import mint_token
from shared.settings import AuthSettings

MUNICIPALITY = "0683"
ADMIN = ["tips:read", "tips:write", "tips:admin"]
REPORTER = "demo-rapportor-vbab"
NAMESPACE = uuid.UUID("6f1d7c0e-5a8b-4c1e-9d3f-2b7a4e6c8d10")

REPORTER_BODY = {
    "subject": REPORTER,
    "organisation_key": "org:556000-0001",
    "organisation_name": "Värnamo Bostäder AB (demo)",
    "kind": "housing_company",
}
ANONYMOUS = {
    "category": "unsafe_place",
    "description": "Gångvägen mellan skolan och idrottsplatsen är helt mörk efter kl. 17.",
    "location": {"type": "Point", "coordinates": [13.8249, 57.1627]},
    "answers": {"why": ["lighting", "vegetation"], "when_unsafe": "dark"},
}
FROM_REPORTER = {
    "category": "gathering",
    "description": "Grupp ungdomar samlas i trapphuset på kvällarna, boende känner sig otrygga.",
    "locality": "Bredaryd",
    "answers": {"happening_now": "no"},
}
HEAR_BACK = {
    "category": "vandalism",
    "description": "Busskuren vid torget har fått rutorna krossade igen.",
    "locality": "Forsheda",
    "answers": {"happening_now": "no"},
    "contact": {"email": "tipsare@example.se", "consent": True},
}
DIALOGUE = {"title": "Medborgardialog i Bredaryds bygdegård", "locality": "Bredaryd"}
RAISED = [
    {
        "category": "narcotics",
        "description": "Föräldrar oroade över att unga erbjuds narkotika vid skolan på kvällarna.",
        "locality": "Bredaryd",
        "answers": {"happening_now": "no"},
    },
    {
        "category": "unsafe_place",
        "description": "Flera nämnde den mörka gångvägen mot idrottsplatsen.",
        "locality": "Bredaryd",
        "answers": {"why": ["lighting"]},
    },
]
URGENT = {
    "category": "vandalism",
    "description": "Någon slår sönder fönster just nu.",
    "locality": "Forsheda",
    "answers": {"happening_now": "yes"},
}


def _token(subject: str, scopes: list[str]) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {mint_token(AuthSettings(), subject, scopes, [MUNICIPALITY])}"
    }


def _tip(name: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(uuid.uuid5(NAMESPACE, name)), **body}


async def _post(tips: httpx.AsyncClient, path: str, body: dict[str, Any]) -> httpx.Response:
    """Sends as a well-behaved client does: when refused for sending too often, it waits the
    Retry-After it was given (the demo loaded twice in a minute passes the residents' limit)."""
    while True:
        response = await tips.post(path, json=body)
        if response.status_code != 429:
            return response
        await asyncio.sleep(float(response.headers.get("Retry-After", "60")))


def _check(response: httpx.Response, *expected: int) -> dict[str, Any]:
    if response.status_code not in expected:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.text}")
    body: dict[str, Any] = response.json()
    return body


async def dialogue(tips: httpx.AsyncClient, staff: dict[str, str]) -> None:
    """A citizen dialogue held last week in Bredaryd, and what residents raised there."""
    held = {**DIALOGUE, "held_on": str(date.today() - timedelta(days=7))}
    key = {"Idempotency-Key": f"demo-dialogue-{held['held_on']}"}
    path = f"/municipalities/{MUNICIPALITY}/dialogues"
    meeting = _check(await tips.post(path, json=held, headers=staff | key), 201)
    for n, raised in enumerate(RAISED):
        body = _tip(f"dialogue-{meeting['id']}-{n}", raised)
        _check(
            await tips.post(f"/dialogues/{meeting['id']}/inputs", json=body, headers=staff),
            201,
            200,
        )


async def load_tips(tips: httpx.AsyncClient) -> str:
    """Loads the tips and returns the address of the public form."""
    admin = _token("demo", ADMIN)
    path = f"/municipalities/{MUNICIPALITY}"
    _check(await tips.post(f"{path}/default-categories", headers=admin), 200)
    _check(await tips.post(f"{path}/reporters", json=REPORTER_BODY, headers=admin), 201)
    public = f"/public/{MUNICIPALITY}/tips"
    for name, body in (("anonymous", ANONYMOUS), ("hear-back", HEAR_BACK)):
        _check(await _post(tips, public, _tip(name, body)), 201, 200)
    reporter = _token(REPORTER, ["tips:report"])
    reported = _tip("reporter", FROM_REPORTER)
    _check(await tips.post(f"{path}/tips", json=reported, headers=reporter), 201, 200)
    await dialogue(tips, admin)
    diverted = _check(await _post(tips, public, _tip("urgent", URGENT)), 422)
    print(  # noqa: T201
        f"  tips: 3 received, a dialogue's 2; one more was turned away to call {diverted['call']}"
    )
    return f"{tips.base_url}/public/{MUNICIPALITY}/tips/new"
