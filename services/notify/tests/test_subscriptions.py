"""Residents' subscriptions: double opt-in, one-click unsubscribe, erasure, limits."""

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify import links
from notify.config import DEV_LINK_SECRET
from notify.messaging.models import Message, Notification
from notify.subscriptions.models import Subscription
from notify_testkit import (
    FORSHEDA,
    KM_LON,
    point,
    square,
    stakeholder_body,
    subscription_body,
    tables_holding,
    token,
    world,
)

pytestmark = pytest.mark.service


def _token(purpose: links.Purpose, id_: uuid.UUID) -> str:
    return links.make(DEV_LINK_SECRET, purpose, id_)


async def _only_subscription(session: AsyncSession) -> Subscription:
    return (await session.exec(select(Subscription))).one()


class TestSubscribe:
    async def test_a_point_and_radius_waits_for_confirmation_sent_as_a_message(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        response = await client.post("/subscriptions", json=subscription_body())
        assert response.status_code == 202
        assert response.json()["status"] == "pending"
        subscription = await _only_subscription(session)
        assert subscription.status == "pending"
        assert subscription.email == "anna@example.se"
        assert subscription.channels == {"action_plans": "email", "walk_invitations": "email"}
        message = (await session.exec(select(Message))).one()
        assert (message.kind, message.payload) == ("confirmation", {})
        queued = (await session.exec(select(Notification))).one()
        assert (queued.recipient_id, queued.channel) == (subscription.id, "email")
        assert (queued.address, queued.status) == ("anna@example.se", "created")
        assert queued.next_attempt_at is not None

    async def test_a_drawn_area_and_a_phone_confirm_by_sms(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        body = subscription_body(
            email=None,
            phone="070-123 45 67",
            place={"kind": "area", "polygon": square()},
            topics={"measures_done": "sms"},
            quiet_hours={"start": "21:00", "end": "07:00"},
        )
        assert (await client.post("/subscriptions", json=body)).status_code == 202
        subscription = await _only_subscription(session)
        assert (subscription.phone, subscription.place_kind) == ("+46701234567", "area")
        assert str(subscription.quiet_start) == "21:00:00"
        queued = (await session.exec(select(Notification))).one()
        assert (queued.channel, queued.address) == ("sms", "+46701234567")

    async def test_a_named_locality_takes_its_area(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        body = subscription_body(place={"kind": "locality", "name": "forsheda"})
        assert (await client.post("/subscriptions", json=body)).status_code == 202
        subscription = await _only_subscription(session)
        assert (subscription.locality, subscription.municipality_code) == ("Forsheda", "0683")

    async def test_the_same_person_and_place_again_is_the_same_subscription(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """Pending: the confirmation goes again (capped). Confirmed: nothing new at all."""
        for _ in range(4):
            response = await client.post("/subscriptions", json=subscription_body())
            assert response.status_code == 202
        subscription = await _only_subscription(session)
        assert subscription.status == "pending"
        sent = (await session.exec(select(Notification))).all()
        assert len(sent) == 3, "the confirmation again, then the daily cap per address"
        assert {n.recipient_id for n in sent} == {subscription.id}
        conn = await session.connection()
        await conn.execute(text("UPDATE subscription SET status = 'confirmed'"))
        await conn.execute(text("DELETE FROM notification"))
        assert (await client.post("/subscriptions", json=subscription_body())).status_code == 202
        await session.refresh(subscription)
        assert subscription.status == "confirmed"
        assert (await session.exec(select(Notification))).all() == []

    async def test_a_second_identical_subscription_is_refused_by_the_database(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await client.post("/subscriptions", json=subscription_body())
        copy = text(
            "INSERT INTO subscription SELECT gen_random_uuid(), email, phone, language, "
            "'confirmed', place_kind, place, radius_m, reach, locality, municipality_code, "
            "channels, quiet_start, quiet_end, now() FROM subscription"
        )
        conn = await session.connection()
        with pytest.raises(IntegrityError, match="uq_subscription_person_place"):
            async with conn.begin_nested():
                await conn.execute(copy)

    async def test_an_unsubscribed_person_subscribing_again_starts_over(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await client.post("/subscriptions", json=subscription_body())
        subscription = await _only_subscription(session)
        token = _token(links.Purpose.MANAGE, subscription.id)
        await client.post(f"/subscriptions/unsubscribe/{token}")
        conn = await session.connection()
        await conn.execute(text("DELETE FROM notification"))
        await client.post("/subscriptions", json=subscription_body(language="en"))
        await session.refresh(subscription)
        assert (subscription.status, subscription.language) == ("pending", "en")
        assert len((await session.exec(select(Notification))).all()) == 1

    async def test_confirmations_to_one_address_are_capped_however_many_ask(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """Five places: the address still gets three confirmations a day, whoever asked."""
        for radius in (100, 200, 300, 400, 500):
            body = subscription_body(place={"kind": "point", "center": point(), "radius_m": radius})
            assert (await client.post("/subscriptions", json=body)).is_success
        assert len((await session.exec(select(Subscription))).all()) == 5
        sent = (await session.exec(select(Notification))).all()
        assert [n.address for n in sent] == ["anna@example.se"] * 3

    @pytest.mark.parametrize(
        ("overrides", "pointer"),
        [
            ({"municipality_code": None}, "/municipality_code"),
            (
                {"place": {"kind": "locality", "name": "Forsheda", "municipality_code": "0662"}},
                "/place/municipality_code",
            ),
            ({"municipality_code": "683"}, "/municipality_code"),
        ],
    )
    async def test_consent_is_given_to_one_named_municipality(
        self, client: httpx.AsyncClient, overrides: dict[str, object], pointer: str
    ) -> None:
        response = await client.post("/subscriptions", json=subscription_body(**overrides))
        assert response.status_code == 422, response.text
        assert pointer in [e["pointer"] for e in response.json()["errors"]]

    @pytest.mark.parametrize(
        ("overrides", "pointer"),
        [
            ({"place": {"kind": "locality", "name": "Atlantis"}}, "/place/name"),
            ({"email": None, "phone": None}, "/email"),
            ({"topics": {"action_plans": "sms"}}, "/topics/action_plans"),
            ({"topics": {}}, "/topics"),
            ({"topics": {"gossip": "email"}}, "/topics/gossip/[key]"),
            (
                {"place": {"kind": "point", "center": point(), "radius_m": 9000}},
                "/place/radius_m",
            ),
            (
                {"place": {"kind": "point", "center": point(200, 0)}},
                "/place/center/coordinates/0",
            ),
            ({"place": {"kind": "area", "polygon": world()}}, "/place/polygon"),
            ({"email": "not-an-address"}, "/email"),
            ({"email": f"a@{'x' * 70}.se"}, "/email"),
            ({"extra": 1}, "/extra"),
        ],
    )
    async def test_invalid_input_is_a_problem_naming_the_field(
        self, client: httpx.AsyncClient, overrides: dict[str, object], pointer: str
    ) -> None:
        response = await client.post("/subscriptions", json=subscription_body(**overrides))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert pointer in [e["pointer"] for e in response.json()["errors"]]


class TestConfirm:
    async def test_the_link_confirms_once_and_shows_a_page_in_the_residents_language(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await client.post("/subscriptions", json=subscription_body(language="en"))
        subscription = await _only_subscription(session)
        url = f"/subscriptions/confirm/{_token(links.Purpose.CONFIRM, subscription.id)}"
        first = await client.post(url)
        assert first.status_code == 200
        assert "confirmed" in first.text
        assert 'lang="en"' in first.text
        await session.refresh(subscription)
        assert subscription.status == "confirmed"
        second = await client.post(url, params={"lang": "sv"})
        assert "Redan klart" in second.text

    async def test_opening_the_link_only_shows_a_page_whose_button_confirms(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """Mail systems' link scanners open every link: a GET must confirm nothing."""
        await client.post("/subscriptions", json=subscription_body())
        subscription = await _only_subscription(session)
        url = f"/subscriptions/confirm/{_token(links.Purpose.CONFIRM, subscription.id)}"
        for _ in range(2):
            page = await client.get(url)
            assert page.status_code == 200
            assert f'<form method="post" action="../confirm/{url.rsplit("/", 1)[1]}">' in page.text
            assert "Inom 200 m från en punkt du valde (Värnamo)" in page.text
        await session.refresh(subscription)
        assert subscription.status == "pending"
        assert (await client.post(url)).status_code == 200
        await session.refresh(subscription)
        assert subscription.status == "confirmed"
        assert "Redan klart" in (await client.get(url)).text

    async def test_a_forged_or_misused_token_confirms_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await client.post("/subscriptions", json=subscription_body())
        subscription = await _only_subscription(session)
        manage = _token(links.Purpose.MANAGE, subscription.id)
        response = await client.post(f"/subscriptions/confirm/{manage}")
        assert response.status_code == 404
        assert "Länken fungerar inte" in response.text
        await session.refresh(subscription)
        assert subscription.status == "pending"

    async def test_an_expired_link_confirms_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await client.post("/subscriptions", json=subscription_body())
        subscription = await _only_subscription(session)
        conn = await session.connection()
        await conn.execute(text("UPDATE subscription SET created_at = now() - interval '8 days'"))
        await session.refresh(subscription)
        response = await client.post(
            f"/subscriptions/confirm/{_token(links.Purpose.CONFIRM, subscription.id)}"
        )
        assert "gått ut" in response.text
        await session.refresh(subscription)
        assert subscription.status == "pending"


class TestUnsubscribe:
    async def test_one_post_stops_every_message_of_the_subscription(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await client.post("/subscriptions", json=subscription_body())
        subscription = await _only_subscription(session)
        token = _token(links.Purpose.MANAGE, subscription.id)
        page = await client.get(f"/subscriptions/unsubscribe/{token}")
        assert 'method="post"' in page.text
        await session.refresh(subscription)
        assert subscription.status == "pending", "showing the page changes nothing"
        response = await client.post(
            f"/subscriptions/unsubscribe/{token}",
            content="List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200
        await session.refresh(subscription)
        assert subscription.status == "unsubscribed"
        queued = (await session.exec(select(Notification))).one()
        assert (queued.status, queued.next_attempt_at) == ("cancelled", None)

    async def test_stopping_one_subscription_says_what_remains_and_offers_everything(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        home = subscription_body()
        work = subscription_body(place={"kind": "locality", "name": "Forsheda"})
        other_person = subscription_body(email="someone.else@example.se")
        for body in (home, work, other_person):
            assert (await client.post("/subscriptions", json=body)).status_code == 202
        rows = (await session.exec(select(Subscription).order_by(col(Subscription.radius_m)))).all()
        by_kind = {(s.email, s.place_kind): s for s in rows}
        first = by_kind[("anna@example.se", "point")]
        token = _token(links.Purpose.MANAGE, first.id)
        page = await client.get(f"/subscriptions/unsubscribe/{token}")
        assert "Inom 200 m från en punkt du valde" in page.text
        assert f'action="../unsubscribe-everything/{token}"' in page.text
        stopped = await client.post(f"/subscriptions/unsubscribe/{token}")
        assert stopped.status_code == 200
        assert "Du får fortfarande meddelanden om" in stopped.text
        assert "Forsheda (Värnamo)" in stopped.text
        assert f'action="../unsubscribe-everything/{token}"' in stopped.text
        statuses = {key: await _status(session, s.id) for key, s in by_kind.items()}
        assert statuses == {
            ("anna@example.se", "point"): "unsubscribed",
            ("anna@example.se", "locality"): "pending",
            ("someone.else@example.se", "point"): "pending",
        }
        everything = await client.post(f"/subscriptions/unsubscribe-everything/{token}")
        assert everything.status_code == 200
        assert "inga fler meddelanden från Trygg" in everything.text
        statuses = {key: await _status(session, s.id) for key, s in by_kind.items()}
        assert statuses == {
            ("anna@example.se", "point"): "unsubscribed",
            ("anna@example.se", "locality"): "unsubscribed",
            ("someone.else@example.se", "point"): "pending",
        }
        queued = await session.exec(
            select(Notification.status).where(Notification.address == "anna@example.se")
        )
        assert set(queued) == {"cancelled"}


async def _status(session: AsyncSession, id_: uuid.UUID) -> str:
    conn = await session.connection()
    query = text("SELECT status FROM subscription WHERE id = :id")
    return str((await conn.execute(query, {"id": id_})).scalar_one())


class TestErase:
    async def test_erasure_takes_the_person_out_of_the_directory_too(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """A resident who is also an organisation's contact: erasing means the contact entry
        (name, address) and the stored response that holds it go as well."""
        contact = {"name": "Anna Kontakt", "email": "anna@example.se", "channel": "email"}
        headers = {**token(), "Idempotency-Key": str(uuid.uuid4())}
        body = stakeholder_body(contacts=[contact])
        assert (await client.post("/stakeholders", json=body, headers=headers)).status_code == 201
        await client.post("/subscriptions", json=subscription_body())
        subscription = await _only_subscription(session)
        url = f"/subscriptions/erase/{_token(links.Purpose.MANAGE, subscription.id)}"
        assert (await client.post(url)).status_code == 200
        conn = await session.connection()
        assert await tables_holding(conn, "anna@example.se", "Anna Kontakt") == []

    async def test_opening_the_erase_link_erases_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await client.post("/subscriptions", json=subscription_body())
        subscription = await _only_subscription(session)
        url = f"/subscriptions/erase/{_token(links.Purpose.MANAGE, subscription.id)}"
        page = await client.get(url)
        assert page.status_code == 200
        assert 'method="post"' in page.text
        assert (await session.exec(select(Subscription))).all() != []
        assert (await client.post(url)).status_code == 200
        assert (await session.exec(select(Subscription))).all() == []

    async def test_erasure_leaves_no_personal_data_in_any_table(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        email, phone = "erik.eriksson@example.se", "+46709876543"
        for place in ({"kind": "point", "center": point()}, {"kind": "area", "polygon": square()}):
            body = subscription_body(
                email=email, phone=phone, place=place, topics={"action_plans": "sms"}
            )
            assert (await client.post("/subscriptions", json=body)).status_code == 202
        await client.post("/subscriptions", json=subscription_body(email="other@example.se"))
        conn = await session.connection()
        assert await tables_holding(conn, email, phone)
        subscription = (
            await session.exec(select(Subscription).where(Subscription.email == email))
        ).first()
        assert subscription is not None
        token = _token(links.Purpose.MANAGE, subscription.id)
        response = await client.post(f"/subscriptions/erase/{token}")
        assert response.status_code == 200
        assert "raderade" in response.text
        assert await tables_holding(conn, email, phone, "erik") == []
        assert len((await session.exec(select(Subscription))).all()) == 1
        kept = (await session.exec(select(Notification))).all()
        assert len(kept) == 3, "delivery statistics stay"
        assert sum(n.address is None for n in kept) == 2
        again = await client.post(f"/subscriptions/erase/{token}")
        assert again.status_code == 404


class TestLimits:
    async def test_too_many_requests_from_one_address_are_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        app = client._transport.app  # type: ignore[attr-defined]
        async with app.state.engine.begin() as conn:
            await conn.execute(text("DELETE FROM rate_limit"))
        limit = app.state.settings.public.rate_per_minute
        app.state.settings.public.rate_per_minute = 2
        try:
            responses = [
                await client.post("/subscriptions", json=subscription_body()) for _ in range(3)
            ]
        finally:
            app.state.settings.public.rate_per_minute = limit
        assert [r.status_code for r in responses] == [202, 202, 429]
        assert 1 <= int(responses[2].headers["Retry-After"]) <= 60

    async def test_a_large_body_is_refused(self, client: httpx.AsyncClient) -> None:
        far = [[FORSHEDA[0] + KM_LON * i / 1000, FORSHEDA[1]] for i in range(20000)]
        body = subscription_body(
            place={"kind": "area", "polygon": {"type": "Polygon", "coordinates": [far]}}
        )
        response = await client.post("/subscriptions", json=body)
        assert response.status_code == 413, response.text[:300]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "x-request-id" in response.headers
