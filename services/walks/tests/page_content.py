"""Walks, protocols and plans with the content that strains a page: many places, long Swedish
texts, words longer than a phone is wide, and stored text that looks like markup."""

from html.parser import HTMLParser
from typing import Any

import httpx

from walks_testkit import (
    FORSHEDA,
    measure_body,
    observation_body,
    plan_body,
    point,
    token,
    walk_body,
)

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# Far wider than 390 px in any font: it must wrap, not push the page sideways.
LONG_WORD = "Trygghetsvandringsuppföljningsmötesprotokollsjusteringsansvarig" * 3
LONG_TEXT = (
    "Gångtunneln under järnvägen är mörk efter klockan sexton och flera deltagare, särskilt "
    "äldre och kvinnor, sade att de undviker den och går runt via Storgatan i stället. "
)
CATEGORIES = ["lighting", "vegetation_sight_lines", "access_paths", "maintenance", "traffic"]
PERSPECTIVES = ["women", "elderly", "children", "youth", "people_with_disabilities"]
LIGHTS = ["dark", "twilight", "daylight"]
WITHDRAWAL = "Ersätts av den kommunövergripande planen för " + LONG_WORD


def _around(index: int, count: int) -> tuple[float, float]:
    """Places spread along the walk, all inside its area."""
    step = 0.008 / max(count - 1, 1)
    return FORSHEDA[0] - 0.004 + index * step, FORSHEDA[1] - 0.003 + (index % 3) * 0.002


def long_walk_body(locality: str) -> dict[str, Any]:
    stops = [
        {
            "name": f"Hållplats {n}: Forsheda skolas norra entré vid cykelstället",
            "location": point(*_around(n, 6)),
        }
        for n in range(6)
    ]
    return walk_body(
        locality=locality,
        title=LONG_WORD,
        public_description=LONG_TEXT * 3,
        stops=stops,
        route={"type": "LineString", "coordinates": [s["location"]["coordinates"] for s in stops]},
    )


def long_observation(index: int) -> dict[str, Any]:
    return observation_body(
        location=point(*_around(index, 8)),
        category=CATEGORIES[index % len(CATEGORIES)],
        sentiment="positive" if index % 4 == 3 else "negative",
        severity=["low", "medium", "high"][index % 3],
        light=LIGHTS[index % len(LIGHTS)],
        perspectives=PERSPECTIVES,
        description=f"{LONG_TEXT}{LONG_WORD if index == 0 else ''} {HOSTILE if index == 1 else ''}",
    )


def hostile_plan_body(locality: str) -> dict[str, Any]:
    responsible = {
        "name": "Värnamo kommun, samhällsbyggnadsförvaltningen, gatu- och parkavdelningen",
        "department_code": "GATA",
    }
    measures = [
        measure_body(
            title=f"{HOSTILE} Byt armaturer", description=LONG_TEXT, responsible=responsible
        ),
        measure_body(title=LONG_WORD, description=LONG_WORD, priority="medium"),
        measure_body(
            title="Röj buskagen vid stationens cykelparkering", priority="low", due_date=None
        ),
    ]
    return plan_body(
        locality=locality,
        title=f"Tryggare kvällar {HOSTILE}",
        public_summary=LONG_TEXT + LONG_WORD,
        measures=measures,
    )


async def conducted(client: httpx.AsyncClient, locality: str, observations: int) -> str:
    """A long walk with its observations, conducted; returns its id."""
    walk = _ok(await client.post("/walks", json=long_walk_body(locality), headers=token()))
    for index in range(observations):
        url = f"/walks/{walk['id']}/observations"
        _ok(await client.post(url, json=long_observation(index), headers=token()))
    conduct = {"conducted_at": "2026-10-14T20:00:00Z"}
    _ok(await client.post(f"/walks/{walk['id']}/conduct", json=conduct, headers=token()))
    return str(walk["id"])


async def published_protocol(client: httpx.AsyncClient, walk_id: str) -> None:
    body = {"summary": LONG_TEXT + LONG_WORD, "closing_meeting_notes": HOSTILE + LONG_TEXT}
    _ok(await client.post(f"/walks/{walk_id}/protocol/publish", json=body, headers=token()))


async def withdrawn_plan(client: httpx.AsyncClient, locality: str) -> str:
    """A published plan with hostile and long texts, withdrawn with a long reason."""
    plan = _ok(
        await client.post("/action-plans", json=hostile_plan_body(locality), headers=token())
    )
    _ok(await client.post(f"/action-plans/{plan['id']}/publish", headers=token()))
    withdraw = {"reason": WITHDRAWAL}
    _ok(await client.post(f"/action-plans/{plan['id']}/withdraw", json=withdraw, headers=token()))
    return str(plan["id"])


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skipping += tag in ("style", "title")

    def handle_endtag(self, tag: str) -> None:
        self._skipping -= tag in ("style", "title")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """What a reader sees of the page: its text, not its markup, style or titles."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())
