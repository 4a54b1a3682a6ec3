"""The tip form residents fill in: pages that work without JavaScript, in Swedish or English,
that store a tip with its photos or show the form again with what is wrong."""

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from committed import install_categories, remove_everything_of
from fastapi import FastAPI
from photo_files import CAMERA_MAKE, camera_jpeg, read
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from tips_testkit import HOME, Api

from shared.http import style_source
from shared.outbox import OutboxMessage
from shared.testing import api_client, client_address, use_session, wait_until
from tips import tables  # noqa: F401  (every model: a tip's mapper needs the dialogue table)
from tips.app import create_app
from tips.categories import service as categories
from tips.categories.schemas import CategoryWrite, Question
from tips.config import LimitSettings, Settings
from tips.domain import LOCAL_TIME, QuestionKind, utcnow
from tips.photos.models import TipPhoto
from tips.public import service as public
from tips.public.markup import STYLE
from tips.public.schemas import TipForm
from tips.tips.models import Tip, TipContact
from tips.tips.service import CONSENT_TEXT, Submitted

pytestmark = pytest.mark.service

FORM = f"/public/{HOME}/tips/new"
RECEIVED = "se.trygg.tips.tip.received.v1"
# What a browser sends for a file input where nothing was chosen.
NO_FILE = [("photos", ("", b"", "application/octet-stream"))]


class Page(HTMLParser):
    """What the tests look for in a page: its controls, labels, ids, links and hidden fields."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []
        self.labels: set[str] = set()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.hidden: dict[str, str] = {}
        self.lang = ""
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "label" and "for" in a:
            self.labels.add(a["for"])
        elif tag == "a":
            self.links.append(a.get("href", ""))
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a.get("value", "")
        elif tag in ("input", "select", "textarea"):
            self.controls.append(a)

    def unlabelled(self) -> list[dict[str, str]]:
        return [c for c in self.controls if c.get("id") not in self.labels]

    def control(self, element: str) -> dict[str, str]:
        return next(c for c in self.controls if c.get("id") == element)

    def error_links(self) -> list[str]:
        return [link for link in self.links if link.startswith("#")]


def _day_before_yesterday() -> str:
    return (utcnow().astimezone(LOCAL_TIME) - timedelta(days=2)).date().isoformat()


def _fields(hidden: dict[str, str], **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        **hidden,
        "description": "Gångtunneln under järnvägen är helt mörk på kvällarna.",
        "locality": "Forsheda",
        "address": "",
        "latitude": "",
        "longitude": "",
        "occurred_date": _day_before_yesterday(),
        "occurred_time": "21:30",
        "answer.why": ["lighting", "vegetation"],
        "answer.when_unsafe": "dark",
        "email": "",
        "phone": "",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


async def _step_two(api: Api, category: str = "unsafe_place", lang: str = "sv") -> Page:
    response = await api.client.get(FORM, params={"lang": lang, "category": category})
    assert response.status_code == 200, response.text
    return Page(response.text)


async def _send(
    api: Api, fields: dict[str, Any], files: list[Any] | None = None, lang: str = "sv"
) -> httpx.Response:
    return await api.client.post(f"{FORM}?lang={lang}", data=fields, files=files or NO_FILE)


async def _tips(api: Api) -> list[Tip]:
    return list(await api.session.exec(select(Tip)))


class TestStepOne:
    @pytest.mark.parametrize(
        ("lang", "urgent", "category"),
        [
            ("sv", "Vid akuta händelser \N{EN DASH} ring 112", "Otrygg plats"),
            ("en", "In an emergency, call 112", "Unsafe place"),
        ],
    )
    async def test_the_categories_are_offered_in_the_residents_language(
        self, api: Api, lang: str, urgent: str, category: str
    ) -> None:
        await api.categories()
        response = await api.client.get(FORM, params={"lang": lang})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        page = Page(response.text)
        assert page.lang == lang
        assert urgent in re.sub(r"<[^>]+>", "", response.text)
        assert 'href="tel:112"' in response.text
        assert category in response.text
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in (
            response.text
        )
        radios = [c for c in page.controls if c.get("type") == "radio"]
        assert {c["value"] for c in radios} >= {"unsafe_place", "lighting", "violence"}
        assert page.unlabelled() == []
        assert "<fieldset" in response.text
        assert "<legend>" in response.text
        # The subcategory sits in its parent's group.
        assert re.search(
            r'role="group" aria-labelledby="category-unsafe_place-label">.*?value="lighting"',
            response.text,
        )

    async def test_the_pages_one_style_is_the_one_their_policy_allows(self, api: Api) -> None:
        await api.categories()
        response = await api.client.get(FORM)
        policy = response.headers["content-security-policy"]
        assert f"style-src {style_source(STYLE)};" in policy
        assert f"<style>{STYLE}</style>" in response.text
        assert "script" not in response.text.lower()

    async def test_a_municipality_without_categories_has_no_form(self, api: Api) -> None:
        response = await api.client.get("/public/0617/tips/new")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Det finns inget tipsformulär här" in response.text

    async def test_an_unknown_category_shows_step_one_with_the_error(self, api: Api) -> None:
        await api.categories()
        response = await api.client.get(FORM, params={"category": "teleportation"})
        assert response.status_code == 422
        page = Page(response.text)
        assert page.error_links() == ["#category-unsafe_place"]
        assert "category-unsafe_place" in page.ids

    async def test_a_category_that_is_always_urgent_says_to_call_112(self, api: Api) -> None:
        await api.categories()
        response = await api.client.get(FORM, params={"category": "violence"})
        assert response.status_code == 200
        assert 'href="tel:112"' in response.text
        assert "<form" not in response.text

    async def test_a_malformed_address_gets_a_page_too(self, api: Api) -> None:
        await api.categories()
        response = await api.client.get(FORM, params={"lang": "de"})
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")


class TestStepTwo:
    async def test_the_form_asks_the_categorys_questions_with_every_input_labelled(
        self, api: Api
    ) -> None:
        await api.categories()
        page = await _step_two(api, "vandalism")
        assert page.unlabelled() == []
        assert len(page.ids) == len(set(page.ids))
        assert page.hidden["category"] == "vandalism"
        assert uuid.UUID(page.hidden["id"]).version == 4
        names = {c["name"] for c in page.controls}
        assert names >= {
            "description",
            "locality",
            "address",
            "latitude",
            "longitude",
            "occurred_date",
            "occurred_time",
            "answer.happening_now",
            "photos",
            "email",
            "phone",
            "consent",
        }
        assert page.control("occurred_date")["type"] == "date"
        assert page.control("occurred_time")["type"] == "time"
        photos = page.control("photos")
        assert (photos["type"], photos["accept"]) == ("file", "image/jpeg,image/png,image/webp")
        assert "multiple" in photos
        assert "required" in page.control("description")
        assert "required" in page.control("answer-happening_now-yes")

    async def test_the_notice_the_consent_and_the_localities_are_shown(self, api: Api) -> None:
        await api.categories()
        response = await api.client.get(FORM, params={"category": "vandalism", "lang": "en"})
        assert "Report graffiti on private property to the owner as well." in response.text
        assert CONSENT_TEXT["en"] in response.text
        assert '<option value="Forsheda">Forsheda</option>' in response.text
        assert 'enctype="multipart/form-data"' in response.text
        assert 'lang="en"' in response.text

    async def test_two_visits_get_two_ids(self, api: Api) -> None:
        await api.categories()
        first, second = await _step_two(api), await _step_two(api)
        assert first.hidden["id"] != second.hidden["id"]


class TestSending:
    async def test_a_tip_with_a_photo_is_stored_and_leads_to_the_receipt(self, api: Api) -> None:
        await api.categories()
        page = await _step_two(api)
        # Noise compresses badly: the photo alone is larger than any other route allows.
        photo = camera_jpeg((1400, 1000), noise=True)
        assert len(photo) > 1024 * 1024
        files = [("photos", ("tunneln.jpg", photo, "image/jpeg"))]
        response = await _send(api, _fields(page.hidden), files)
        assert response.status_code == 303, response.text
        tip_id = page.hidden["id"]
        assert response.headers["location"] == f"received?lang=sv&ref={tip_id}"
        tip = await api.tip(tip_id)
        assert tip is not None
        assert (tip.source, tip.category_code, tip.locality) == (
            "public",
            "unsafe_place",
            "Forsheda",
        )
        assert tip.answers == {"why": ["lighting", "vegetation"], "when_unsafe": "dark"}
        assert tip.occurred_at is not None
        local = tip.occurred_at.astimezone(LOCAL_TIME)
        assert (local.date().isoformat(), local.hour, local.minute) == (
            _day_before_yesterday(),
            21,
            30,
        )
        [stored] = (await api.session.exec(select(TipPhoto))).all()
        assert stored.tip_id == tip.id
        assert dict(read(stored.content).getexif()) == {}
        assert CAMERA_MAKE.encode() not in stored.content
        assert len(await api.outbox(RECEIVED)) == 1

        receipt = await api.client.get(f"/public/{HOME}/tips/{response.headers['location']}")
        assert receipt.status_code == 200
        assert "Tack! Ditt tips har kommit fram." in receipt.text
        assert tip_id in receipt.text

    async def test_coordinates_with_a_decimal_comma_are_a_place(self, api: Api) -> None:
        await api.categories()
        page = await _step_two(api)
        fields = _fields(page.hidden, locality="", latitude="57,1661", longitude="13,8262")
        assert (await _send(api, fields)).status_code == 303
        tip = await api.tip(page.hidden["id"])
        assert tip is not None
        assert tip.locality == "Forsheda"  # found from the point
        assert tip.location is not None

    async def test_a_contact_with_consent_is_kept_apart(self, api: Api) -> None:
        await api.categories()
        page = await _step_two(api, lang="en")
        fields = _fields(page.hidden, email="anna@example.se", consent="yes")
        assert (await _send(api, fields, lang="en")).status_code == 303
        contact = await api.session.get(TipContact, uuid.UUID(page.hidden["id"]))
        assert contact is not None
        assert (contact.email, contact.consent_text) == ("anna@example.se", CONSENT_TEXT["en"])

    async def test_the_same_form_sent_twice_stores_one_tip(self, api: Api) -> None:
        await api.categories()
        page = await _step_two(api)
        fields = _fields(page.hidden)
        files = [("photos", ("a.jpg", camera_jpeg(), "image/jpeg"))]
        first = await _send(api, fields, files)
        again = await _send(api, fields, files)
        assert (first.status_code, again.status_code) == (303, 303)
        assert first.headers["location"] == again.headers["location"]
        assert len(await _tips(api)) == 1
        assert len((await api.session.exec(select(TipPhoto))).all()) == 1
        assert len(await api.outbox(RECEIVED)) == 1

    async def test_the_same_form_sent_again_with_other_details_gets_a_new_id(
        self, api: Api
    ) -> None:
        await api.categories()
        page = await _step_two(api)
        assert (await _send(api, _fields(page.hidden))).status_code == 303
        edited = await _send(api, _fields(page.hidden, description="Nu är det ännu mörkare."))
        assert edited.status_code == 409
        again = Page(edited.text)
        assert again.hidden["id"] != page.hidden["id"]
        assert "Nu är det ännu mörkare." in edited.text
        assert (await _send(api, _fields(again.hidden))).status_code == 303
        assert len(await _tips(api)) == 2


class TestRefused:
    async def test_a_form_with_errors_comes_back_with_them_and_with_what_was_typed(
        self, api: Api
    ) -> None:
        await api.categories()
        page = await _step_two(api, "vandalism")
        fields = _fields(
            page.hidden,
            description="",
            locality="",
            address="",
            occurred_time="",
            email="anna@example.se",
            **{"answer.why": None, "answer.when_unsafe": None},
        )
        response = await _send(api, fields)
        assert response.status_code == 422
        again = Page(response.text)
        assert again.error_links() == [
            "#description",
            "#locality",
            "#occurred_date",
            "#answer-happening_now-yes",
            "#consent",
        ]
        for link in again.error_links():
            assert link[1:] in again.ids
        assert "aria-describedby" in again.control("description")
        assert "description-error" in again.control("description")["aria-describedby"]
        assert again.control("description")["aria-invalid"] == "true"
        assert again.control("email")["value"] == "anna@example.se"
        assert again.control("occurred_date")["value"] == _day_before_yesterday()
        assert again.hidden == page.hidden
        assert "<title>Fel: " in response.text
        assert await _tips(api) == []
        assert await api.outbox() == []

    async def test_the_errors_are_in_english_on_the_english_form(self, api: Api) -> None:
        await api.categories()
        page = await _step_two(api, lang="en")
        response = await _send(api, _fields(page.hidden, description=""), lang="en")
        assert response.status_code == 422
        assert "Describe what your tip is about, in at most 4000 characters." in response.text
        assert "<title>Error: " in response.text

    async def test_a_contact_without_consent_is_refused(self, api: Api) -> None:
        await api.categories()
        page = await _step_two(api)
        response = await _send(api, _fields(page.hidden, phone="070-123 45 67"))
        assert response.status_code == 422
        again = Page(response.text)
        assert again.error_links() == ["#consent"]
        assert again.control("phone")["value"] == "070-123 45 67"
        assert await _tips(api) == []

    @pytest.mark.parametrize(
        ("overrides", "anchor"),
        [
            ({"occurred_date": "2999-01-01"}, "#occurred_date"),
            ({"occurred_time": "25:99"}, "#occurred_date"),
            ({"latitude": "norr", "longitude": "13.8"}, "#latitude"),
            ({"latitude": "57.1", "longitude": ""}, "#latitude"),
            ({"email": "anna-at-example", "consent": "yes"}, "#email"),
            ({"locality": "Atlantis"}, "#locality"),
            ({"description": "x" * 4001}, "#description"),
            ({"answer.when_unsafe": "never"}, "#answer-when_unsafe-dark"),
        ],
    )
    async def test_a_wrong_field_is_pointed_at(
        self, api: Api, overrides: dict[str, Any], anchor: str
    ) -> None:
        await api.categories()
        page = await _step_two(api)
        response = await _send(api, _fields(page.hidden, **overrides))
        assert response.status_code == 422, response.text
        assert Page(response.text).error_links() == [anchor]
        assert await _tips(api) == []

    async def test_an_urgent_answer_says_to_call_112_and_stores_nothing(self, api: Api) -> None:
        await api.categories()
        page = await _step_two(api, "vandalism")
        fields = _fields(page.hidden, description="", **{"answer.happening_now": "yes"})
        response = await _send(api, fields)
        assert response.status_code == 422
        assert 'href="tel:112"' in response.text
        assert "Ring 112" in response.text
        assert "Tipset har inte skickats." in response.text
        assert "new?lang=sv&amp;category=vandalism" in response.text
        assert await _tips(api) == []
        assert await api.outbox() == []

    @pytest.mark.parametrize(
        ("photos", "status", "says"),
        [
            (
                [("kvitto.pdf", b"%PDF-1.7", "image/jpeg")],
                422,
                "Bilden kvitto.pdf går inte att läsa",
            ),
            ([("a.jpg", camera_jpeg(), "image/jpeg")] * 4, 422, "Skicka högst 3 bilder."),
        ],
    )
    async def test_a_refused_photo_refuses_the_form(
        self, api: Api, photos: list[tuple[str, bytes, str]], status: int, says: str
    ) -> None:
        await api.categories()
        page = await _step_two(api)
        files = [("photos", p) for p in photos]
        response = await _send(api, _fields(page.hidden), files)
        assert response.status_code == status
        assert Page(response.text).error_links() == ["#photos"]
        assert says in response.text
        assert "Om du valde bilder behöver du välja dem igen." in response.text
        assert await _tips(api) == []
        assert (await api.session.exec(select(TipPhoto))).all() == []

    async def test_a_retired_category_sends_the_resident_back_to_step_one(self, api: Api) -> None:
        await api.categories()
        page = await _step_two(api)
        response = await _send(api, _fields({**page.hidden, "category": "retired"}))
        assert response.status_code == 422
        assert Page(response.text).error_links() == ["#category-unsafe_place"]


class TestSizes:
    async def test_the_other_public_routes_keep_their_small_limit(self, api: Api) -> None:
        await api.categories()
        big = {"description": "x" * (70 * 1024)}
        response = await api.client.post(f"/public/{HOME}/tips", json=big)
        assert response.status_code == 413

    async def test_the_form_refuses_more_than_its_photos_need(
        self, api: Api, settings: Settings
    ) -> None:
        await api.categories()
        limits = settings.limits
        too_much = b"x" * (limits.photos_per_tip * limits.photo_bytes + 128 * 1024)
        response = await api.client.post(
            FORM, content=too_much, headers={"content-type": "multipart/form-data; boundary=b"}
        )
        assert response.status_code == 413


@pytest.fixture(scope="module")
async def strict_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """Two form pages and two submissions a minute per client."""
    public = settings.public.model_copy(update={"reads_per_minute": 2, "submissions_per_minute": 2})
    app = create_app(settings.model_copy(update={"public": public}))
    # Held in the middle of a minute: the count cannot start over between two requests.
    now = datetime.now(UTC).replace(second=30, microsecond=0)
    app.state.clock = lambda: now
    yield app
    await app.state.engine.dispose()


class TestRateLimits:
    @pytest.mark.parametrize("method", ["GET", "POST"])
    async def test_the_third_request_in_a_minute_gets_a_page_saying_when_to_try_again(
        self, strict_app: FastAPI, session: AsyncSession, method: str
    ) -> None:
        use_session(strict_app, session)
        async with api_client(strict_app, address=client_address()) as client:
            responses = [await client.request(method, FORM) for _ in "123"]
        strict_app.dependency_overrides.clear()
        assert [r.status_code for r in responses][2] == 429
        refused = responses[2]
        assert refused.headers["content-type"].startswith("text/html")
        assert refused.headers["retry-after"] == "30"
        assert "Försök igen om 30 sekunder." in refused.text
        assert 'href="tel:112"' in refused.text


# A municipality no other test gives categories to; its place is an address.
RACING = "0680"


class TestTwoAtOnce:
    async def test_the_same_form_sent_twice_at_once_stores_one_tip(
        self, engine: AsyncEngine
    ) -> None:
        await install_categories(engine, RACING)
        try:
            one, two = await self._sent_twice_at_once(engine)
            assert (one.created, two.created) == (True, False)
            assert two.tip.id == one.tip.id
            async with AsyncSession(engine) as session:
                stored = await session.exec(select(Tip).where(Tip.municipality_code == RACING))
                assert [t.id for t in stored] == [one.tip.id]
                events = await session.exec(
                    select(OutboxMessage).where(OutboxMessage.aggregateid == str(one.tip.id))
                )
                assert len(events.all()) == 1
        finally:
            await remove_everything_of(engine, RACING)

    async def _sent_twice_at_once(self, engine: AsyncEngine) -> tuple[Submitted, Submitted]:
        form = TipForm(
            id=str(uuid.uuid4()),
            category="other",
            description="Någon har tänt eld i papperskorgen.",
            address="Storgatan 1",
        )
        async with (
            AsyncSession(engine, expire_on_commit=False) as first,
            AsyncSession(engine, expire_on_commit=False) as second,
        ):
            category = await categories.get_active(first, RACING, "other")
            one = await public.send_tip(first, RACING, category, form, [], LimitSettings(), "sv")
            # The second's insert waits for the first's transaction to end.
            racing = asyncio.create_task(
                public.send_tip(second, RACING, category, form, [], LimitSettings(), "sv")
            )
            await wait_until(lambda: _waiting_on_a_lock(engine), what="the second insert")
            await first.commit()
            two = await racing
            await second.commit()
        return one, two


async def _waiting_on_a_lock(engine: AsyncEngine) -> bool:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    async with engine.connect() as conn:
        return int((await conn.execute(waiting)).scalar_one()) > 0


class TestEscaping:
    async def test_what_administrators_and_residents_type_is_shown_as_text(self, api: Api) -> None:
        await api.categories()
        await categories.put_category(
            api.session,
            HOME,
            "odd",
            CategoryWrite(
                name_sv="<script>alert('namn')</script>",
                notice_sv='"><img src=x onerror=alert(1)>',
                questions=[
                    Question(
                        code="what",
                        kind=QuestionKind.TEXT,
                        required=True,
                        label_sv="Vad <b>exakt</b>?",
                    )
                ],
            ),
        )
        step_one = await api.client.get(FORM)
        assert "&lt;script&gt;alert(&#x27;namn&#x27;)&lt;/script&gt;" in step_one.text
        page = await _step_two(api, "odd")
        typed = "</textarea><script>alert('beskrivning')</script>"
        response = await _send(api, _fields(page.hidden, description=typed, locality=""))
        assert response.status_code == 422
        for shown in (step_one.text, response.text):
            assert "<script>" not in shown
            assert "<img" not in shown
            assert "<b>" not in shown
        assert "&lt;/textarea&gt;&lt;script&gt;" in response.text
        assert "Svara på frågan: Vad &lt;b&gt;exakt&lt;/b&gt;?" in response.text


class TestTextQuestions:
    async def test_a_written_answer_is_asked_kept_and_stored(self, api: Api) -> None:
        await api.categories()
        question = Question(
            code="who", kind=QuestionKind.TEXT, required=True, label_sv="Vem äger platsen?"
        )
        body = CategoryWrite(name_sv="Fastighet", questions=[question])
        await categories.put_category(api.session, HOME, "property", body)
        page = await _step_two(api, "property")
        assert page.control("answer-who")["name"] == "answer.who"
        assert page.unlabelled() == []
        refused = await _send(api, _fields(page.hidden, description=""))
        assert Page(refused.text).error_links() == ["#description", "#answer-who"]
        fields = _fields(page.hidden, **{"answer.who": " Bostadsbolaget "})
        kept = await _send(api, {**fields, "description": ""})
        assert "Bostadsbolaget" in kept.text
        assert (await _send(api, fields)).status_code == 303
        tip = await api.tip(page.hidden["id"])
        assert tip is not None
        assert tip.answers == {"who": "Bostadsbolaget"}
