"""The patrols part of the demo: two months of incidents around Värnamo's localities, the
ranking they give, the top two squares designated hot spots, and two trygghetsrundor over them:
one planned for later today, one done now (so residents who chose trygghetsrundor hear of it).

Incidents have fixed ids (sent again, they are stored once) and are drawn from a fixed seed;
hot spots already designated are used as they are.
"""

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.auth import mint_token
from shared.settings import AuthSettings

MUNICIPALITY = "0683"
POLICE = ["patrols:read", "patrols:write", "patrols:plan"]
# Where trouble concentrates in the demo, and how much of it: (lon, lat, spread in degrees).
CLUSTERS = [
    (13.8262, 57.1640, 0.0006, 70),  # Forsheda, by the square
    (14.0445, 57.1850, 0.0008, 55),  # Värnamo, the travel centre
    (13.7410, 57.1710, 0.0007, 30),  # Bredaryd
]
SCATTERED = 120
EXTENT = (13.70, 57.10, 14.20, 57.22)
CATEGORIES = ["vandalism", "narcotics", "disturbance", "gathering", "theft"]
DAYS = 60


def _token(scopes: list[str]) -> dict[str, str]:
    token = mint_token(AuthSettings(), "demo-polis", scopes, [MUNICIPALITY])
    return {"Authorization": f"Bearer {token}"}


def _check(response: httpx.Response, *expected: int) -> Any:
    if response.status_code not in expected:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.text}")
    return response.json() if response.content else None


def incidents(now: datetime) -> list[dict[str, Any]]:
    """The demo's incidents: clustered where the demo's hot spots are, and some anywhere."""
    rng = random.Random(683)
    places = [
        (rng.gauss(lon, spread), rng.gauss(lat, spread))
        for lon, lat, spread, n in CLUSTERS
        for _ in range(n)
    ]
    west, south, east, north = EXTENT
    places += [(rng.uniform(west, east), rng.uniform(south, north)) for _ in range(SCATTERED)]
    start = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=DAYS)
    return [
        {
            "external_id": f"demo-{n:04d}",
            "source": rng.choice(["police", "municipality"]),
            "category": rng.choice(CATEGORIES),
            "occurred_at": (start + timedelta(minutes=rng.randrange(DAYS * 1440))).isoformat(),
            "location": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        }
        for n, (lon, lat) in enumerate(places)
    ]


async def designate_top(patrols: httpx.AsyncClient, now: datetime) -> list[str]:
    """The two highest-ranked squares of the last 60 days as hot spots; their ids."""
    police = _token(POLICE)
    path = f"/municipalities/{MUNICIPALITY}/hot-spots"
    active = _check(await patrols.get(path, params={"active": "true"}, headers=police), 200)
    if len(active["features"]) >= 2:
        return [f["id"] for f in active["features"][:2]]
    today = now.date()
    window = {"from": str(today - timedelta(days=DAYS)), "to": str(today), "limit": "2"}
    ranking = _check(await patrols.get(f"{path}/ranking", params=window, headers=police), 200)
    ids = []
    for cell in ranking["features"]:
        props = cell["properties"]
        body = {
            "name": f"{props['locality'] or 'Värnamo'}, ruta {props['rank']}",
            "cell_east": props["cell_east"],
            "cell_north": props["cell_north"],
            "cell_size_m": props["cell_size_m"],
            "reason": "Flest händelser de senaste 60 dagarna, signifikant enligt Gi*.",
            "period_start": str(today),
            "period_end": str(today + timedelta(days=90)),
        }
        ids.append(_check(await patrols.post(path, json=body, headers=police), 201)["id"])
    return ids


async def rounds(patrols: httpx.AsyncClient, hot_spots: list[str], now: datetime) -> str:
    """A round done now (residents hear of it) and one planned for the evening; the plan's id.

    Loaded again, the rounds of those days are found and used as they are.
    """
    police = _token(POLICE)
    path = f"/municipalities/{MUNICIPALITY}/rounds"
    days = {"from": str(now.date()), "to": str(now.date() + timedelta(days=1))}
    found = _check(await patrols.get(path, params=days, headers=police), 200)["items"]
    shift = {"unit": "Värnamo 2-310", "hot_spot_ids": hot_spots}
    if not any(r["status"] == "completed" for r in found):
        done = {**shift, "shift_start": now.isoformat(), "seed": 1}
        done["shift_end"] = (now + timedelta(hours=2)).isoformat()
        await walk(patrols, _check(await patrols.post(path, json=done, headers=police), 201))
    planned = [r["id"] for r in found if r["status"] == "planned"]
    if planned:
        return str(planned[0])
    evening = now.replace(hour=18, minute=0, second=0, microsecond=0)
    if evening < now + timedelta(minutes=30):
        evening += timedelta(days=1)
    later = {**shift, "shift_start": evening.isoformat(), "seed": 2}
    later["shift_end"] = (evening + timedelta(hours=3)).isoformat()
    return str(_check(await patrols.post(path, json=later, headers=police), 201)["id"])


async def walk(patrols: httpx.AsyncClient, planned: dict[str, Any]) -> None:
    """Checks in and out of the round's first two visits (two places), and completes it."""
    police = _token(POLICE)
    for visit in planned["visits"][:2]:
        at = f"/rounds/{planned['id']}/visits/{visit['id']}"
        _check(await patrols.post(f"{at}/check-in", json={}, headers=police), 200)
        seen = {"activity": "Samtal med ungdomar och butiksägare."}
        _check(await patrols.post(f"{at}/check-out", json=seen, headers=police), 200)
    _check(await patrols.post(f"/rounds/{planned['id']}/complete", headers=police), 200)


async def load_patrols(patrols: httpx.AsyncClient) -> str:
    """Loads the incidents, hot spots and rounds; returns the planned round's address."""
    now = datetime.now(UTC)
    batch = {"incidents": incidents(now)}
    path = f"/municipalities/{MUNICIPALITY}/incidents/bulk"
    stored = _check(await patrols.post(path, json=batch, headers=_token(POLICE)), 200)
    hot_spots = await designate_top(patrols, now)
    planned = await rounds(patrols, hot_spots, now)
    print(  # noqa: T201
        f"  patrols: {stored['created']} incidents, {len(hot_spots)} hot spots, "
        "a round done and one planned"
    )
    return f"{patrols.base_url}/rounds/{planned}"
