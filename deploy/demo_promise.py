"""The citizens' promise of the demo, the seed's own: Värnamo kommun and the local police
promise safety walks in Forsheda and Bredaryd, trygghetsrundor at hot spots, citizen
dialogues, a weekly situational picture and work against narcotics among young people.

It is signed before the rest of the demo runs, so what the demo then does (the walk in
Forsheda, the dialogue, the rounds) counts for it through the services' events; the last weeks'
pictures are approved at the end. Loaded again, the promise (created under a fixed key) and
the approved weeks are left as they are.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from shared.auth import mint_token
from shared.settings import AuthSettings

MUNICIPALITY = "0683"
STAFF = ["patrols:read", "patrols:write"]
WEEKS = 3

PROMISE: dict[str, Any] = {
    "title": "Medborgarlöfte Värnamo 2026-2027",
    "police_area": "Lokalpolisområde Värnamo",
    "period_start": "2026-01-01",
    "period_end": "2027-12-31",
    "focus_areas": ["närvaro", "förebyggande arbete", "narkotika bland unga"],
    "commitments": [
        {
            "title": "Trygghetsvandringar i Forsheda och Bredaryd",
            "indicator": "walks_held",
            "localities": ["Forsheda", "Bredaryd"],
            "target": 4,
        },
        {"title": "Trygghetsrundor vid utpekade platser", "indicator": "rounds_done", "target": 80},
        {"title": "Medborgardialoger", "indicator": "dialogues_held", "target": 4},
        {
            "title": "En gemensam lägesbild varje vecka (EST)",
            "indicator": "weekly_pictures_approved",
            "target": 100,
        },
        {
            "title": "Åtgärder från trygghetsvandringar klara i tid",
            "indicator": "measures_done_on_time",
            "target": 10,
        },
        {
            "title": "Föräldravandringar och skolbesök om narkotika",
            "indicator": "manual",
            "target": 12,
        },
    ],
}


def _headers(key: str | None = None) -> dict[str, str]:
    token = mint_token(AuthSettings(), "demo-est", STAFF, [MUNICIPALITY])
    headers = {"Authorization": f"Bearer {token}"}
    return {**headers, "Idempotency-Key": key} if key else headers


def _check(response: httpx.Response, *expected: int) -> Any:
    if response.status_code not in expected:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.text}")
    return response.json() if response.content else None


async def sign_promise(patrols: httpx.AsyncClient) -> str:
    """Drafts and signs the promise (residents who chose it are told); returns its id."""
    path = f"/municipalities/{MUNICIPALITY}/promises"
    drafted = _check(await patrols.post(path, json=PROMISE, headers=_headers("demo-promise")), 201)
    promise_id = str(drafted["id"])
    _check(await patrols.post(f"/promises/{promise_id}/sign", headers=_headers()), 200, 409)
    return promise_id


async def approve_weeks(patrols: httpx.AsyncClient, today: date) -> int:
    """The EST group's pictures of the last weeks, each approved once; how many are new."""
    approved = 0
    for back in range(1, WEEKS + 1):
        year, week, _ = (today - timedelta(weeks=back)).isocalendar()
        path = f"/municipalities/{MUNICIPALITY}/situation/{year}/{week}"
        versions = _check(await patrols.get(f"{path}/versions", headers=_headers()), 200)
        if versions["versions"]:
            continue
        text = f"Vecka {week}: oro kring torget i Forsheda och resecentrum; rundor fortsätter."
        _check(await patrols.post(f"{path}/approve", json={"text": text}, headers=_headers()), 201)
        approved += 1
    return approved


async def follow_up(patrols: httpx.AsyncClient, promise_id: str) -> str:
    """Records the manual commitment's evidence once; returns the public page's address."""
    promise = _check(await patrols.get(f"/promises/{promise_id}", headers=_headers()), 200)
    manual = next(c for c in promise["commitments"] if c["indicator"] == "manual")
    if manual["achieved"] == 0:
        evidence = {"amount": 3, "evidence": "Föräldravandringar 12, 19 och 26 november."}
        url = f"/commitments/{manual['id']}/manual"
        _check(await patrols.post(url, json=evidence, headers=_headers()), 200, 201)
    weeks = await approve_weeks(patrols, datetime.now(UTC).date())
    print(f"  promise signed; {weeks} weekly pictures approved now")  # noqa: T201
    return f"{patrols.base_url}/public/promises/{promise_id}.html"
