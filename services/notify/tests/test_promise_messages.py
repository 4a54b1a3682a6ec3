"""The municipality's citizens' promise, signed and followed up, told to every resident of the
municipality who chose the topic, wherever their place; once per person and channel, and
once however often the event is delivered. Integrators whose webhooks name the events get
them as they came."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import CapSettings
from notify.messaging import handlers
from notify.messaging.models import Message, Notification
from notify.messaging.render import Renderer
from notify.subscriptions.models import Subscription
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
from shared.contracts.patrols import PromiseFollowedUp, PromiseSigned

pytestmark = pytest.mark.service
CONFIG = handlers.HandlerConfig(attempt_budget=5, walk_invitation_buffer_m=0, cap=CapSettings())
PROMISE = {"promise": "email"}
SIGNED = "se.trygg.patrols.promise.signed.v1"
FOLLOWED_UP = "se.trygg.patrols.promise.followed_up.v1"
YEARS = "2027\N{EN DASH}2028"
PUBLIC_URL = "https://varnamo.example.se/medborgarloften/tryggare-varnamo"
# Thirty kilometres east of Forsheda: far from any place a walk or a round would reach.
FAR = FORSHEDA[0] + 30 * KM_LON


def commitment(title: str, achieved: int, target: int | None) -> dict[str, Any]:
    return {
        "commitment_id": str(uuid.uuid4()),
        "title": title,
        "indicator": "manual",
        "target": target,
        "achieved": achieved,
    }


def promise(code: str = HOME, **over: Any) -> dict[str, Any]:
    return {
        "municipality_code": code,
        "promise_id": str(uuid.uuid4()),
        "title": "Tryggare Värnamo",
        "parties": ["Värnamo kommun", "Polisen i Värnamo"],
        "period_start": date(2027, 1, 1).isoformat(),
        "period_end": date(2028, 12, 31).isoformat(),
        "public_url": PUBLIC_URL,
        **over,
    }


def signed(code: str = HOME) -> PromiseSigned:
    facts = {
        **promise(code),
        "focus_areas": ["Centrum på kvällarna"],
        "commitments": [commitment("Trygghetsvandringar", 0, 4)],
        "signed_at": datetime(2027, 1, 20, 10, tzinfo=UTC).isoformat(),
    }
    return PromiseSigned.model_validate(facts)


def followed_up(
    code: str = HOME, summary: str | None = "Ett halvår in i löftet."
) -> PromiseFollowedUp:
    facts = {
        **promise(code),
        "follow_up_id": str(uuid.uuid4()),
        "commitments": [
            commitment("Trygghetsvandringar", 3, 4),
            commitment("Trygghetsrundor i centrum", 12, 20),
            commitment("Möten med föreningar", 5, None),
        ],
        "summary": summary,
        "followed_up_at": datetime(2027, 7, 1, 9, tzinfo=UTC).isoformat(),
    }
    return PromiseFollowedUp.model_validate(facts)


async def handle(session: AsyncSession, event: PromiseSigned | PromiseFollowedUp) -> str:
    meta = consumed(event)
    if isinstance(event, PromiseSigned):
        await handlers.on_promise_signed(event, session, meta=meta, config=CONFIG)
    else:
        await handlers.on_promise_followed_up(event, session, meta=meta, config=CONFIG)
    return meta.id


async def resident(
    client: httpx.AsyncClient, session: AsyncSession, *, confirmed: bool = True, **body: object
) -> uuid.UUID:
    """A subscription made through the API, confirmed unless told otherwise."""
    conn = await session.connection()
    known = list((await conn.execute(text("SELECT id FROM subscription"))).scalars())
    response = await client.post("/subscriptions", json=subscription_body(**body))
    assert response.status_code == 202, response.text
    new = text("SELECT id FROM subscription WHERE id <> ALL(CAST(:known AS uuid[]))")
    id_ = (await conn.execute(new, {"known": known})).scalar_one()
    if confirmed:
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


async def webhook(client: httpx.AsyncClient, event_type: str, code: str = HOME) -> str:
    body = {
        "municipality_code": code,
        "url": "https://93.184.215.14/h",
        "event_types": [event_type],
    }
    response = await client.post("/webhooks", json=body, headers=token(municipalities=[code]))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


class TestWhoIsTold:
    async def test_residents_who_chose_the_promise_anywhere_in_the_municipality_are_told_once(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        home = await resident(client, session, email="hem@example.se", topics=PROMISE)
        # The same person by the village's name too: still one email.
        village = await resident(
            client,
            session,
            email="hem@example.se",
            place={"kind": "locality", "name": "Forsheda"},
            topics=PROMISE,
        )
        # Far from Forsheda, by SMS: the promise is the whole municipality's.
        far = await resident(
            client,
            session,
            email=None,
            phone="0701111111",
            place={"kind": "area", "polygon": square(FAR, size_km=0.5)},
            topics={"promise": "sms", "action_plans": "sms"},
        )
        await resident(client, session, email="planer@example.se")  # plans and walks only
        await resident(
            client, session, email="granne@example.se", municipality_code=OTHER, topics=PROMISE
        )
        await resident(
            client, session, email="obekraftad@example.se", confirmed=False, topics=PROMISE
        )
        # An organisation responsible for an area, its contact on every topic by default.
        body = stakeholder_body(area=square(size_km=2))
        assert (await client.post("/stakeholders", json=body, headers=token())).status_code == 201

        for event in (signed(), followed_up()):
            event_id = await handle(session, event)
            rows = sorted(await told(session, event_id), key=lambda n: n.channel)
            assert [(n.recipient_kind, n.channel, n.address) for n in rows] == [
                ("resident", "email", "hem@example.se"),
                ("resident", "sms", "+46701111111"),
            ]
            assert rows[0].recipient_id in (home, village)
            assert rows[1].recipient_id == far
            assert {n.municipality_code for n in rows} == {HOME}

    async def test_the_other_municipalitys_promise_tells_its_own_residents_only(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session, email="hem@example.se", topics=PROMISE)
        other = await resident(
            client,
            session,
            email="granne@example.se",
            municipality_code=OTHER,
            place={"kind": "point", "center": point(), "radius_m": 200},
            topics=PROMISE,
        )
        event_id = await handle(session, signed(OTHER))
        assert [n.recipient_id for n in await told(session, event_id)] == [other]

    async def test_the_same_event_twice_creates_nothing_twice(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session, topics=PROMISE)
        for event in (signed(), followed_up()):
            meta = consumed(event)
            for _ in range(2):
                if isinstance(event, PromiseSigned):
                    await handlers.on_promise_signed(event, session, meta=meta, config=CONFIG)
                else:
                    await handlers.on_promise_followed_up(event, session, meta=meta, config=CONFIG)
            assert len(await told(session, meta.id)) == 1
            messages = await session.exec(select(Message).where(Message.event_id == meta.id))
            assert len(messages.all()) == 1

    async def test_webhooks_that_name_an_event_get_it_as_it_came(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        signed_hook = await webhook(client, SIGNED)
        followed_hook = await webhook(client, FOLLOWED_UP)
        await webhook(client, SIGNED, code=OTHER)
        for event, hook in ((signed(), signed_hook), (followed_up(), followed_hook)):
            event_id = await handle(session, event)
            rows = await told(session, event_id)
            assert [(n.channel, str(n.recipient_id)) for n in rows] == [("webhook", hook)]
            message = await message_of(session, event_id)
            assert message.payload["data"] == event.model_dump(mode="json")


class TestWhatTheyRead:
    async def test_the_signing_names_the_parties_the_promise_the_period_and_the_link(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session, topics=PROMISE)
        message = await message_of(session, await handle(session, signed()))
        assert (message.kind, message.topic) == ("promise_signed", "promise")
        data = message.payload["data"]
        sv, en = (
            Renderer().render(message.kind, lang, data, municipality_code=HOME)
            for lang in ("sv", "en")
        )
        sentence = (
            "Värnamo kommun och Polisen i Värnamo har undertecknat medborgarlöftet Tryggare "
            f"Värnamo för {YEARS}. Läs mer: {PUBLIC_URL}"
        )
        assert sentence in sv.text
        assert sv.sms.startswith(sentence)
        assert sv.subject == "Medborgarlöftet Tryggare Värnamo är undertecknat"
        assert "- Trygghetsvandringar (mål: 4)\n" in sv.text
        assert "medborgarlöfte." in sv.text.split("-- \n")[1]  # why they hear of it
        assert (
            "Värnamo kommun and Polisen i Värnamo have signed the citizens' promise Tryggare "
            f"Värnamo for {YEARS}." in en.text
        )
        assert PUBLIC_URL in en.sms

    async def test_a_follow_up_has_the_summary_each_commitments_figures_and_the_link(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session, topics=PROMISE)
        message = await message_of(session, await handle(session, followed_up()))
        assert (message.kind, message.topic) == ("promise_followed_up", "promise")
        data = message.payload["data"]
        sv, en = (
            Renderer().render(message.kind, lang, data, municipality_code=HOME)
            for lang in ("sv", "en")
        )
        assert sv.subject == "Uppföljning av medborgarlöftet Tryggare Värnamo"
        assert "Ett halvår in i löftet." in sv.text
        figures = (
            "- Trygghetsvandringar: 3 av 4\n"
            "- Trygghetsrundor i centrum: 12 av 20\n"
            "- Möten med föreningar: 5\n"
        )
        assert figures in sv.text
        assert f"Läs mer: {PUBLIC_URL}" in sv.text
        assert "- Trygghetsvandringar: 3 of 4\n- Trygghetsrundor i centrum: 12 of 20\n" in en.text
        assert PUBLIC_URL in en.text
        assert sv.sms.startswith(
            "Uppföljning av medborgarlöftet Tryggare Värnamo: Trygghetsvandringar 3 av 4; "
            "Trygghetsrundor i centrum 12 av 20; Möten med föreningar 5. "
            f"Läs mer: {PUBLIC_URL}"
        )

    async def test_a_follow_up_without_a_summary_still_reads(self) -> None:
        data = followed_up(summary=None).model_dump(mode="json")
        content = Renderer().render("promise_followed_up", "sv", data, municipality_code=HOME)
        assert "None" not in content.text
        assert "- Trygghetsvandringar: 3 av 4\n" in content.text

    async def test_messages_are_listed_by_their_kinds(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session, topics=PROMISE)
        for event, kind, event_type in (
            (signed(), "promise_signed", SIGNED),
            (followed_up(), "promise_followed_up", FOLLOWED_UP),
        ):
            event_id = await handle(session, event)
            listed = await client.get("/messages", params={"kind": kind}, headers=token())
            assert listed.status_code == 200, listed.text
            [item] = [m for m in listed.json()["items"] if m["event_id"] == event_id]
            assert (item["event_type"], item["topic"]) == (event_type, "promise")
            assert item["counts"]["total"] == 1


class TestTheTopic:
    async def test_residents_are_offered_the_topic_by_name(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/subscriptions/topics")
        assert response.status_code == 200
        labels = {t["topic"]: t["label"] for t in response.json()}
        assert labels["promise"] == {"sv": "Medborgarlöftet", "en": "The citizens' promise"}
        document = (await client.get("/openapi.json")).json()
        topics = document["components"]["schemas"]["Topic"]
        assert "promise" in topics["enum"]
        assert "Medborgarlöftet" in topics["description"]

    async def test_a_subscription_keeps_the_topic_only_when_chosen(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        chosen = await resident(client, session, email="ja@example.se", topics=PROMISE)
        other = await resident(client, session, email="nej@example.se")
        rows = await session.exec(
            select(Subscription.id, Subscription.channels).where(
                col(Subscription.id).in_([chosen, other])
            )
        )
        channels = dict(rows.all())
        assert channels[chosen] == {"promise": "email"}
        assert "promise" not in channels[other]
