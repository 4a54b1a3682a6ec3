"""The subscribe form residents open without a token: a page in Swedish or English, whose POST
makes the same double opt-in subscription as `POST /subscriptions`, for its municipality only."""

import re
from typing import Any

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.messaging.models import Message, Notification
from notify.subscriptions.models import Subscription
from notify_testkit import HOME, OTHER, subscription_body, token

pytestmark = pytest.mark.service

FORM = "application/x-www-form-urlencoded"


def form_fields(**overrides: Any) -> dict[str, Any]:
    """A filled-in form: Forsheda, two topics, by email, in Swedish."""
    fields: dict[str, Any] = {
        "locality": "Forsheda",
        "latitude": "",
        "longitude": "",
        "radius_m": "300",
        "topic": ["action_plans", "walk_invitations"],
        "channel": "email",
        "email": "anna@example.se",
        "phone": "",
        "language": "sv",
    }
    return {**fields, **overrides}


async def send(
    client: httpx.AsyncClient, municipality: str = HOME, lang: str = "sv", **overrides: Any
) -> httpx.Response:
    return await client.post(
        f"/subscribe/{municipality}?lang={lang}", data=form_fields(**overrides)
    )


async def stored(
    session: AsyncSession,
) -> tuple[list[Subscription], list[Message], list[Notification]]:
    return (
        list((await session.exec(select(Subscription))).all()),
        list((await session.exec(select(Message))).all()),
        list((await session.exec(select(Notification))).all()),
    )


def errors_of(page: httpx.Response) -> list[str]:
    """The texts of the error summary, in order."""
    summary = re.search(r'<div class="problems" role="alert">(.*?)</div>', page.text, re.S)
    assert summary is not None, page.text
    return re.findall(r'<li><a href="#[a-z_-]+">(.*?)</a></li>', summary.group(1))


def selected(page: httpx.Response) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', page.text)


class TestTheForm:
    async def test_the_page_is_swedish_and_offers_the_municipalitys_localities_and_topics(
        self, client: httpx.AsyncClient
    ) -> None:
        page = await client.get(f"/subscribe/{HOME}")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<html lang="sv">' in page.text
        assert "<h1>Få veta vad som görs för tryggheten i Värnamo</h1>" in page.text
        offered = re.findall(r'<option value="([^"]+)"', page.text)
        assert "Forsheda" in offered
        assert "Gislaved centrum" not in offered, "another municipality's locality"
        topics = (await client.get("/subscriptions/topics")).json()
        for topic in topics:
            checkbox = f'id="topic-{topic["topic"]}" name="topic" value="{topic["topic"]}"'
            assert checkbox in page.text
            assert f">{topic['label']['sv']}</label>" in page.text
        assert '<form method="post" action="0683?lang=sv" novalidate>' in page.text
        assert '<a href="0683?lang=en" lang="en">In English</a>' in page.text

    async def test_a_locality_in_the_address_is_chosen_and_english_is_offered(
        self, client: httpx.AsyncClient
    ) -> None:
        page = await client.get(f"/subscribe/{HOME}", params={"locality": "forsheda", "lang": "en"})
        assert page.status_code == 200
        assert '<html lang="en">' in page.text
        assert "Hear what is done for safety in Värnamo" in page.text
        assert selected(page) == ["Forsheda"]
        assert 'value="en" checked' in page.text, "messages in the page's language"
        assert ">Safety patrols</label>" in page.text
        assert 'href="0683?lang=sv&amp;locality=Forsheda"' in page.text

    async def test_a_locality_of_another_municipality_is_not_chosen(
        self, client: httpx.AsyncClient
    ) -> None:
        page = await client.get(f"/subscribe/{OTHER}", params={"locality": "Forsheda"})
        assert page.status_code == 200
        assert selected(page) == []
        assert "tryggheten i Gislaved" in page.text

    @pytest.mark.parametrize("method", ["GET", "POST"])
    async def test_an_unknown_municipality_is_a_page_that_says_so(
        self, client: httpx.AsyncClient, session: AsyncSession, method: str
    ) -> None:
        page = await client.request(method, "/subscribe/9999?lang=en", data=form_fields())
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "There is no such page" in page.text
        assert await stored(session) == ([], [], [])

    async def test_a_malformed_municipality_code_is_a_problem(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/subscribe/683")
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


class TestSending:
    async def test_a_locality_by_email_waits_for_the_link_sent_to_confirm_it(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        page = await send(client)
        assert page.status_code == 200, page.text
        assert "<h1>Titta i din e-post</h1>" in page.text
        [subscription], [message], [queued] = await stored(session)
        assert (subscription.status, subscription.email, subscription.phone) == (
            "pending",
            "anna@example.se",
            None,
        )
        assert (subscription.locality, subscription.municipality_code) == ("Forsheda", HOME)
        assert subscription.channels == {"action_plans": "email", "walk_invitations": "email"}
        assert (message.kind, message.municipality_code) == ("confirmation", HOME)
        assert (queued.recipient_id, queued.channel, queued.address) == (
            subscription.id,
            "email",
            "anna@example.se",
        )

    async def test_a_point_by_sms_keeps_only_the_number_and_says_to_look_at_the_phone(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        page = await send(
            client,
            lang="en",
            locality="",
            latitude="57,163",
            longitude="13.827",
            radius_m="500",
            channel="sms",
            phone="070-123 45 67",
            email="typed-but-not-chosen@example.se",
            language="en",
            topic="measures_done",
        )
        assert page.status_code == 200, page.text
        assert "<h1>Check your phone</h1>" in page.text
        [subscription], _, [queued] = await stored(session)
        assert (subscription.place_kind, subscription.radius_m) == ("point", 500)
        assert (subscription.phone, subscription.email) == ("+46701234567", None)
        assert (subscription.language, subscription.channels) == ("en", {"measures_done": "sms"})
        assert (queued.channel, queued.address, queued.language) == ("sms", "+46701234567", "en")

    async def test_the_form_and_the_json_route_make_the_same_subscription(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        assert (await send(client)).status_code == 200
        body = subscription_body(place={"kind": "locality", "name": "Forsheda"})
        assert (await client.post("/subscriptions", json=body)).status_code == 202
        [subscription], _, sent = await stored(session)
        assert subscription.channels == {"action_plans": "email", "walk_invitations": "email"}
        assert len(sent) == 2, "one subscription, its confirmation sent again"


class TestRefused:
    @pytest.mark.parametrize(
        ("overrides", "errors"),
        [
            ({"email": "not-an-address"}, ["Skriv en giltig e-postadress"]),
            ({"email": ""}, ["Skriv en giltig e-postadress"]),
            ({"channel": "sms", "phone": "12"}, ["Skriv ett giltigt mobilnummer"]),
            ({"topic": []}, ["Välj minst ett ämne."]),
            ({"topic": ["gossip"]}, ["Välj minst ett ämne."]),
            ({"locality": "Atlantis"}, ["Välj en ort i listan"]),
            ({"locality": ""}, ["Välj en ort, eller ange en punkt"]),
            ({"locality": "", "latitude": "norr", "longitude": "13,8"}, ["Skriv latitud"]),
            ({"locality": "", "latitude": "95", "longitude": "13,8"}, ["Skriv latitud"]),
            (
                {"locality": "", "latitude": "57,1", "longitude": "13,8", "radius_m": "9000"},
                ["Skriv avståndet i hela meter"],
            ),
            ({"channel": "pigeon"}, ["Välj e-post eller sms."]),
            ({"language": "fi"}, ["Välj svenska eller engelska."]),
            (
                {"email": "", "topic": [], "locality": "Atlantis"},
                ["Välj en ort i listan", "Välj minst ett ämne.", "Skriv en giltig e-postadress"],
            ),
        ],
    )
    async def test_the_form_comes_back_with_what_is_wrong_and_nothing_changes(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        overrides: dict[str, Any],
        errors: list[str],
    ) -> None:
        page = await send(client, **overrides)
        assert page.status_code == 422, page.text
        assert page.headers["content-type"].startswith("text/html")
        found = errors_of(page)
        assert len(found) == len(errors), found
        for text, wanted in zip(found, errors, strict=True):
            assert text.startswith(wanted), (text, wanted)
        assert await stored(session) == ([], [], [])

    async def test_a_refused_form_keeps_what_was_typed_and_speaks_english(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        page = await send(client, lang="en", email="anna@", locality="Bor", topic=["promise"])
        assert page.status_code == 422
        assert errors_of(page) == ["Write a valid email address, for example name@example.com."]
        assert 'value="anna@"' in page.text
        assert selected(page) == ["Bor"]
        assert 'value="promise" checked' in page.text
        assert 'value="action_plans" checked' not in page.text
        assert '<input type="email" id="email" name="email"' in page.text
        assert 'aria-invalid="true" aria-describedby="email-error contact-hint"' in page.text
        assert await stored(session) == ([], [], [])

    async def test_a_typed_address_is_escaped_on_the_page(self, client: httpx.AsyncClient) -> None:
        page = await send(client, email='"><script>alert(1)</script>')
        assert page.status_code == 422
        assert "<script>" not in page.text
        assert "&lt;script&gt;" in page.text


class TestTenancy:
    async def test_a_subscription_on_one_municipalitys_page_is_that_municipalitys_only(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        point = {"locality": "", "latitude": "57,163", "longitude": "13,827"}
        assert (await send(client, municipality=OTHER, **point)).status_code == 200
        [subscription], [message], [queued] = await stored(session)
        assert subscription.municipality_code == OTHER
        assert (message.municipality_code, queued.municipality_code) == (OTHER, OTHER)
        home = await client.get("/notifications", headers=token(None, [HOME]))
        assert home.json()["total"] == 0
        other = await client.get("/notifications", headers=token(None, [OTHER]))
        assert other.json()["total"] == 1

    async def test_another_municipalitys_locality_is_refused_and_stores_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        page = await send(client, municipality=OTHER, locality="Forsheda")
        assert page.status_code == 422
        assert errors_of(page)[0].startswith("Välj en ort i listan")
        assert await stored(session) == ([], [], [])


class TestLimits:
    async def test_a_large_form_is_refused_before_it_is_read(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        response = await client.post(
            f"/subscribe/{HOME}",
            content="email=" + "a" * (1024 * 1024),
            headers={"content-type": FORM},
        )
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert await stored(session) == ([], [], [])
