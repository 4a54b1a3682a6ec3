"""A completed patrol round becomes feedback to the residents of the places it visited: those
who chose the topic, in the round's municipality, each place at most once a day. Integrators
whose webhooks name rounds get every round as it came."""

import re
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import CapSettings
from notify.messaging import handlers
from notify.messaging.models import Message, Notification
from notify.messaging.outgoing import MessageFacts
from notify.messaging.render import Renderer
from notify.subscriptions.models import Subscription
from notify.webhooks.models import Webhook
from notify_testkit import (
    FORSHEDA,
    HOME,
    KM_LON,
    OTHER,
    consumed,
    point,
    square,
    stakeholder_body,
    subscription_body,
    token,
)
from shared.contracts.patrols import RoundCompleted

pytestmark = pytest.mark.service
CONFIG = handlers.HandlerConfig(attempt_budget=5, walk_invitation_buffer_m=0, cap=CapSettings())
DAY = date(2026, 12, 3)
PATROLS = {"patrol_feedback": "email"}
ROUND_COMPLETED = "se.trygg.patrols.round.completed.v1"
# A second hot spot three kilometres east of Forsheda's, out of reach of its residents.
EAST = FORSHEDA[0] + 3 * KM_LON


def place(
    lon: float = FORSHEDA[0],
    *,
    name: str = "Torget",
    locality: str | None = "Forsheda",
    **over: Any,
) -> dict[str, Any]:
    """A visited hot spot: a 250 m square."""
    return {
        "hot_spot_id": str(uuid.uuid4()),
        "name": name,
        "locality": locality,
        "area": square(lon, size_km=0.25),
        "visits": 2,
        "minutes": 25,
        **over,
    }


def round_over(*places: dict[str, Any], day: date = DAY, code: str = HOME) -> RoundCompleted:
    return RoundCompleted.model_validate(
        {
            "municipality_code": code,
            "round_id": str(uuid.uuid4()),
            "day": day.isoformat(),
            "places": list(places),
            "visits": sum(p["visits"] for p in places),
            "minutes": sum(p["minutes"] for p in places),
        }
    )


async def handle(session: AsyncSession, event: RoundCompleted) -> str:
    meta = consumed(event)
    await handlers.on_round_completed(event, session, meta=meta, config=CONFIG)
    return meta.id


async def resident(client: httpx.AsyncClient, session: AsyncSession, **body: object) -> uuid.UUID:
    """A confirmed subscription made through the API."""
    conn = await session.connection()
    known = list((await conn.execute(text("SELECT id FROM subscription"))).scalars())
    response = await client.post("/subscriptions", json=subscription_body(**body))
    assert response.status_code == 202, response.text
    new = text("SELECT id FROM subscription WHERE id <> ALL(CAST(:known AS uuid[]))")
    id_ = (await conn.execute(new, {"known": known})).scalar_one()
    await conn.execute(
        text("UPDATE subscription SET status = 'confirmed' WHERE id = :id"), {"id": id_}
    )
    # Confirmation messages are not what these tests count.
    await conn.execute(text("DELETE FROM notification WHERE event_id LIKE 'confirmation:%'"))
    return uuid.UUID(str(id_))


async def told(session: AsyncSession, event_id: str) -> list[Notification]:
    rows = await session.exec(select(Notification).where(Notification.event_id == event_id))
    return list(rows)


async def message_of(session: AsyncSession, event_id: str) -> Message:
    return (await session.exec(select(Message).where(Message.event_id == event_id))).one()


def rendered_data(message: Message) -> dict[str, Any]:
    """What the dispatcher renders the message's text from."""
    facts = MessageFacts(
        message.id,
        message.event_id,
        message.event_type,
        message.kind,
        message.municipality_code,
        message.payload,
        message.told_data,
    )
    return facts.data


class TestWhoIsTold:
    async def test_residents_who_chose_patrols_in_the_area_are_told_once_per_channel(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        home = await resident(client, session, email="hem@example.se", topics=PATROLS)
        # The same person by the village's name too: still one email.
        village = await resident(
            client,
            session,
            email="hem@example.se",
            place={"kind": "locality", "name": "Forsheda"},
            topics=PATROLS,
        )
        texted = await resident(
            client, session, email=None, phone="0701111111", topics={"patrol_feedback": "sms"}
        )
        await resident(client, session, email="planer@example.se")  # plans and walks only
        await resident(
            client, session, email="granne@example.se", municipality_code=OTHER, topics=PATROLS
        )
        await resident(
            client,
            session,
            email="langt@example.se",
            place={"kind": "point", "center": point(EAST), "radius_m": 200},
            topics=PATROLS,
        )
        # An organisation responsible for the area, its contact on every topic by default.
        body = stakeholder_body(area=square(size_km=2))
        assert (await client.post("/stakeholders", json=body, headers=token())).status_code == 201

        event_id = await handle(session, round_over(place()))

        rows = sorted(await told(session, event_id), key=lambda n: n.channel)
        assert [(n.recipient_kind, n.channel, n.address) for n in rows] == [
            ("resident", "email", "hem@example.se"),
            ("resident", "sms", "+46701111111"),
        ]
        assert rows[0].recipient_id in (home, village)
        assert rows[1].recipient_id == texted
        assert {n.municipality_code for n in rows} == {HOME}
        message = await message_of(session, event_id)
        assert (message.kind, message.topic) == ("round_completed", "patrol_feedback")

    async def test_the_same_event_twice_creates_nothing_twice(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session, topics=PATROLS)
        event = round_over(place())
        meta = consumed(event)
        await handlers.on_round_completed(event, session, meta=meta, config=CONFIG)
        await handlers.on_round_completed(event, session, meta=meta, config=CONFIG)
        assert len(await told(session, meta.id)) == 1
        messages = await session.exec(select(Message).where(Message.event_id == meta.id))
        assert len(messages.all()) == 1

    async def test_a_round_over_two_places_tells_each_places_residents(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        west = await resident(client, session, email="vast@example.se", topics=PATROLS)
        east = await resident(
            client,
            session,
            email="ost@example.se",
            place={"kind": "point", "center": point(EAST), "radius_m": 200},
            topics=PATROLS,
        )
        event_id = await handle(session, round_over(place(), place(EAST, name="Skolan")))
        assert {n.recipient_id for n in await told(session, event_id)} == {west, east}


class TestOnceADayPerPlace:
    async def test_a_second_round_that_day_tells_only_of_places_not_told_of(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        west = await resident(client, session, email="vast@example.se", topics=PATROLS)
        east = await resident(
            client,
            session,
            email="ost@example.se",
            place={"kind": "point", "center": point(EAST), "radius_m": 200},
            topics=PATROLS,
        )
        torget = place()
        first = await handle(session, round_over(torget))
        assert {n.recipient_id for n in await told(session, first)} == {west}

        skolan = place(EAST, name="Skolan", locality="Bor", visits=1)
        second = await handle(session, round_over({**torget, "visits": 3}, skolan))
        assert {n.recipient_id for n in await told(session, second)} == {east}
        data = rendered_data(await message_of(session, second))
        assert [p["name"] for p in data["places"]] == ["Skolan"]
        assert (data["visits"], data["minutes"]) == (1, 25)

        third = await handle(session, round_over({**torget, "visits": 1}))
        assert await told(session, third) == []
        # A message for the log and integrators, with nothing for residents.
        conn = await session.connection()
        nothing = text("SELECT told_data IS NULL FROM message WHERE event_id = :e")
        assert (await conn.execute(nothing, {"e": third})).scalar_one()

    async def test_the_next_day_tells_again(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        home = await resident(client, session, topics=PATROLS)
        torget = place()
        for day in (DAY, DAY + timedelta(days=1)):
            event_id = await handle(session, round_over(torget, day=day))
            assert [n.recipient_id for n in await told(session, event_id)] == [home]

    async def test_the_same_hot_spot_in_another_municipality_is_its_own(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """The claim is the municipality's: a round of one never silences another's."""
        other = await resident(client, session, municipality_code=OTHER, topics=PATROLS)
        torget = place()
        await handle(session, round_over(torget))
        event_id = await handle(session, round_over(torget, code=OTHER))
        assert [n.recipient_id for n in await told(session, event_id)] == [other]


class TestIntegrators:
    async def test_a_webhook_that_names_rounds_gets_every_round_as_it_came(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session, topics=PATROLS)
        hooks = [
            Webhook(
                municipality_code=code,
                url="https://93.184.215.14/h",
                event_types=types,
                secret="whsec_c2VjcmV0",
                created_by="t",
            )
            for code, types in (
                (HOME, [ROUND_COMPLETED]),
                (HOME, ["se.trygg.walks.action_plan.published.v1"]),
                (OTHER, [ROUND_COMPLETED]),
            )
        ]
        session.add_all(hooks)
        await session.flush()
        torget = place()
        # The second round: the same place the same day, and a place no resident is near.
        told_of = []
        for event in (round_over(torget), round_over(torget, place(EAST, name="Skolan"))):
            event_id = await handle(session, event)
            rows = await told(session, event_id)
            assert [n.recipient_id for n in rows if n.channel == "webhook"] == [hooks[0].id]
            told_of.append(sorted(n.channel for n in rows))
            message = await message_of(session, event_id)
            assert message.payload["data"] == event.model_dump(mode="json")
        assert told_of == [["email", "webhook"], ["webhook"]]


class TestWhatTheyRead:
    async def test_the_text_has_the_place_the_day_and_the_visits_and_no_time_of_day(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session, topics=PATROLS)
        stationen = place(FORSHEDA[0] + 0.3 * KM_LON, name="Stationen", locality=None, visits=1)
        event_id = await handle(session, round_over(place(visits=3), stationen))
        message = await message_of(session, event_id)
        data = rendered_data(message)
        sv, en = (
            Renderer().render(message.kind, lang, data, municipality_code=HOME)
            for lang in ("sv", "en")
        )
        sentence = (
            "Värnamo kommun och polisen gjorde en trygghetsrunda i Forsheda och Stationen "
            "den 3 december 2026: 4 besök."
        )
        assert sentence in sv.text
        assert sv.sms.startswith(sentence)
        assert sv.subject == "Trygghetsrunda i Forsheda och Stationen den 3 december 2026"
        assert "- Torget (Forsheda): 3 besök" in sv.text
        assert "in Forsheda and Stationen on 3 December 2026: 4 visits." in en.text
        for content in (sv, en):
            for shown in (content.subject, content.text, content.sms):
                assert not re.search(r"\b\d{1,2}[:.]\d{2}\b", shown), shown
                assert "kl." not in shown

    async def test_the_message_is_listed_with_its_kind(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session, topics=PATROLS)
        event_id = await handle(session, round_over(place()))
        params = {"kind": "round_completed"}
        listed = await client.get("/messages", params=params, headers=token())
        assert listed.status_code == 200, listed.text
        [item] = [m for m in listed.json()["items"] if m["event_id"] == event_id]
        assert item["event_type"] == ROUND_COMPLETED
        assert item["topic"] == "patrol_feedback"
        assert item["counts"]["total"] == 1


class TestTheTopic:
    async def test_residents_are_offered_the_topic_by_name(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/subscriptions/topics")
        assert response.status_code == 200
        labels = {t["topic"]: t["label"] for t in response.json()}
        assert labels["patrol_feedback"] == {"sv": "Trygghetsrundor", "en": "Safety patrols"}
        assert set(labels) == {
            "walk_invitations",
            "action_plans",
            "measures_done",
            "patrol_feedback",
            "promise",
        }
        document = (await client.get("/openapi.json")).json()
        topics = document["components"]["schemas"]["Topic"]
        assert "patrol_feedback" in topics["enum"]
        assert "Trygghetsrundor" in topics["description"]

    async def test_a_subscription_keeps_the_topic_only_when_chosen(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        chosen = await resident(client, session, email="ja@example.se", topics=PATROLS)
        other = await resident(client, session, email="nej@example.se")
        rows = await session.exec(
            select(Subscription.id, Subscription.channels).where(
                col(Subscription.id).in_([chosen, other])
            )
        )
        channels = dict(rows.all())
        assert channels[chosen] == {"patrol_feedback": "email"}
        assert "patrol_feedback" not in channels[other]
