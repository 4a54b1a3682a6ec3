"""Rules without I/O: links, keys, addresses, signatures, templates, CAP documents, routing."""

import email
import email.policy
import ipaddress
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from cap_schema import assert_valid_cap, schema_errors
from notify import links, netguard, worker
from notify.config import CapSettings, Settings
from notify.deliveries.schemas import MessageCreate
from notify.domain import key_problem, mask_address, normal_email, normal_phone
from notify.feeds import service as cap
from notify.feeds.models import CapAlert
from notify.messaging.channels.webhook import new_secret, signed_headers
from notify.messaging.outgoing import fill, template
from notify.messaging.render import Renderer
from notify.webhooks.schemas import EventType
from notify_testkit import (
    measure,
    plan_facts,
    walk_facts,
)
from shared import municipalities
from shared.contracts.walks import (
    ActionPlanPublished,
    ActionPlanRevised,
    ActionPlanWithdrawn,
    MeasureStatusChanged,
    WalkRescheduled,
    WalkScheduled,
)
from shared.events import Contract

pytestmark = pytest.mark.unit
SECRET = "unit-test-secret"


class TestLinks:
    def test_a_token_reads_back_for_its_purpose_only(self) -> None:
        id_ = uuid.uuid4()
        token = links.make(SECRET, links.Purpose.MANAGE, id_)
        assert links.read(SECRET, links.Purpose.MANAGE, token) == id_
        assert links.read(SECRET, links.Purpose.CONFIRM, token) is None
        assert links.read("another secret", links.Purpose.MANAGE, token) is None

    @pytest.mark.parametrize("token", ["", "abc", "!!!!", "A" * 43, "A" * 100])
    def test_garbage_reads_as_nothing(self, token: str) -> None:
        assert links.read(SECRET, links.Purpose.MANAGE, token) is None


class TestDomain:
    @pytest.mark.parametrize(
        ("key", "ok"),
        [
            ("org:556036-0793", True),
            ("org:556036-0794", False),
            ("dept:0683:GATA", True),
            ("dept:0662:GATA", False),
            ("org:5560360793", False),
        ],
    )
    def test_stakeholder_keys(self, key: str, ok: bool) -> None:
        assert (key_problem(key, "0683") is None) == ok

    @pytest.mark.parametrize(
        ("given", "normal"),
        [
            ("070-123 45 67", "+46701234567"),
            ("0046701234567", "+46701234567"),
            ("+47 412 34 567", "+4741234567"),
        ],
    )
    def test_phone_numbers_become_e164(self, given: str, normal: str) -> None:
        assert normal_phone(given) == normal

    def test_an_internationalised_domain_is_kept_in_ascii(self) -> None:
        assert normal_email("Anna@Åäö.SE") == "anna@xn--4cab6c.se"

    @pytest.mark.parametrize("domain", ["x" * 70 + ".se", "x..se", "\u202ex.se"])
    def test_a_domain_without_an_idna_form_is_a_unicode_error(self, domain: str) -> None:
        # What callers catch: the routes turn it into a problem naming the field.
        with pytest.raises(UnicodeError):
            normal_email(f"a@{domain}")

    def test_staff_see_masked_addresses(self) -> None:
        assert mask_address("anna@example.se") == "a***@example.se"
        assert mask_address("+46701234567") == "+467***67"


class TestNetguard:
    @pytest.mark.parametrize(
        "address",
        [
            "127.0.0.1",
            "10.0.0.1",
            "169.254.169.254",
            "192.168.0.1",
            "100.64.0.1",
            "192.0.0.192",
            "198.18.0.1",
            "203.0.113.5",
            "224.0.0.1",
            "255.255.255.255",
            "0.0.0.0",
            "::",
            "::1",
            "fec0::1",
            "fe80::1",
            "fc00::1",
            "ff02::1",
            "2001:db8::1",
            "100::1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
            "::127.0.0.1",
            "::5db8:d70e",  # IPv4-compatible even with a public IPv4: deprecated, unroutable
            "64:ff9b::a9fe:a9fe",  # NAT64 169.254.169.254
            "64:ff9b::7f00:1",  # NAT64 127.0.0.1
            "64:ff9b::c000:c0",  # NAT64 192.0.0.192
            "64:ff9b:1::a9fe:a9fe",  # local-use NAT64
            "2002:a9fe:a9fe::1",  # 6to4 169.254.169.254
            "2002:7f00:1::1",  # 6to4 127.0.0.1
            "2002:a00:1::1",  # 6to4 10.0.0.1
            "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
            "2001:0:a9fe:a9fe::1",  # Teredo, server 169.254.169.254
        ],
    )
    def test_non_public_addresses_are_not_allowed(self, address: str) -> None:
        assert not netguard.is_allowed(ipaddress.ip_address(address))

    @pytest.mark.parametrize(
        ("address", "carried"),
        [
            ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
            ("::127.0.0.1", "127.0.0.1"),
            ("2002:a9fe:a9fe::1", "169.254.169.254"),
            ("::ffff:10.0.0.1", "10.0.0.1"),
            ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1"),
        ],
    )
    def test_the_ipv4_inside_an_ipv6_address_is_read_out(self, address: str, carried: str) -> None:
        v6 = ipaddress.IPv6Address(address)
        assert ipaddress.IPv4Address(carried) in netguard.embedded_ipv4(v6)

    def test_an_allowed_network_is_for_local_testing(self) -> None:
        loopback = netguard.parse_networks(["127.0.0.0/8"])
        assert netguard.is_allowed(ipaddress.ip_address("127.0.0.1"), loopback)
        assert netguard.is_allowed(ipaddress.ip_address("::ffff:127.0.0.1"), loopback)
        assert not netguard.is_allowed(ipaddress.ip_address("10.0.0.1"), loopback)
        assert not netguard.is_allowed(ipaddress.ip_address("64:ff9b::7f00:1"), loopback)

    @pytest.mark.parametrize(
        "address",
        [
            "93.184.215.14",
            "1.1.1.1",
            "192.0.3.1",  # just past the special blocks around it
            "2a00:1450:4001:82b::200e",
            "2606:4700:4700::1111",
            "::ffff:93.184.215.14",
            "64:ff9b::5db8:d70e",  # NAT64 93.184.215.14, as DNS64 answers on IPv6-only hosts
            "2002:5db8:d70e::1",  # 6to4 93.184.215.14
        ],
    )
    def test_public_addresses_are_allowed(self, address: str) -> None:
        assert netguard.is_allowed(ipaddress.ip_address(address))

    async def test_the_vetted_address_is_what_is_connected_to(self) -> None:
        target = await netguard.vet("https://93.184.215.14:8443/hook?x=1", ["https"])
        assert target.connect_url() == "https://93.184.215.14:8443/hook?x=1"

    @pytest.mark.parametrize("url", ["http://localhost./hook", "http://127.0.0.1./hook"])
    async def test_a_name_with_a_trailing_dot_is_resolved_and_checked(self, url: str) -> None:
        with pytest.raises(netguard.TargetRefused, match="not a public address"):
            await netguard.vet(url, ["http"])
        loopback = netguard.parse_networks(["127.0.0.0/8", "::1/128"])
        target = await netguard.vet(url, ["http"], loopback)
        assert target.address.is_loopback

    async def test_a_name_no_resolver_can_encode_is_refused(self) -> None:
        with pytest.raises(netguard.TargetRefused, match="does not resolve"):
            await netguard.vet(f"https://{'x' * 70}.se/hook", ["https"])


class TestSignature:
    def test_the_standard_webhooks_reference_vector(self) -> None:
        # From the Standard Webhooks reference libraries' tests.
        headers = signed_headers(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            b'{"test": 2432232314}',
            1614265330.7,
        )
        assert headers == {
            "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "webhook-timestamp": "1614265330",
            "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        }

    def test_the_reference_verifier_accepts_what_notify_signs(self) -> None:
        secret = new_secret()
        body = '{"specversion": "1.0", "data": {"title": "Belysning på Storgatan"}}'.encode()
        headers = signed_headers(secret, str(uuid.uuid4()), body, time.time())
        Webhook(secret).verify(body, headers)  # raises when the signature does not verify
        with pytest.raises(WebhookVerificationError):
            Webhook(new_secret()).verify(body, headers)

    def test_new_secrets_are_whsec_and_differ(self) -> None:
        assert new_secret().startswith("whsec_")
        assert new_secret() != new_secret()


def _data(contract: type[Contract], facts: dict[str, Any]) -> dict[str, Any]:
    """What an event's data holds: every field of the contract, nulls included."""
    return contract.model_validate(facts).model_dump(mode="json")


NOW = datetime.now(UTC)
EXAMPLES: dict[str, dict[str, Any]] = {
    "confirmation": {},
    "plan_published": _data(ActionPlanPublished, {**plan_facts(), "published_at": NOW}),
    "plan_revised": _data(
        ActionPlanRevised, {**plan_facts(), "revised_at": NOW, "revision_note": "Ny åtgärd."}
    ),
    "plan_withdrawn": _data(
        ActionPlanWithdrawn, {**plan_facts(), "withdrawn_at": NOW, "reason": "Ersatt."}
    ),
    "walk_scheduled": _data(WalkScheduled, walk_facts(public_url="https://example.se/w")),
    "walk_rescheduled": _data(WalkRescheduled, walk_facts(public_url="https://example.se/w")),
    "measure_done": _data(
        MeasureStatusChanged,
        {
            **{
                k: v
                for k, v in plan_facts().items()
                if k not in ("measures", "revision", "title", "public_summary")
            },
            "plan_title": "Tryggare kvällar",
            "measure": measure(status="done"),
            "previous_status": "in_progress",
            "changed_at": NOW,
        },
    ),
    "direct": MessageCreate.model_validate(
        {
            "municipality_code": "0683",
            "topic": "action_plans",
            "subject": {"sv": "Hej"},
            "body": {"sv": "Text."},
            "audience": {"locality": "Forsheda"},
        }
    ).model_dump(mode="json", exclude={"audience"}),
}


class TestTemplates:
    @pytest.mark.parametrize("kind", EXAMPLES)
    @pytest.mark.parametrize("lang", ["sv", "en"])
    def test_every_kind_renders_in_both_languages_with_an_unsubscribe_link(
        self, kind: str, lang: str
    ) -> None:
        content = Renderer().render(kind, lang, EXAMPLES[kind], municipality_code="0683")
        assert content.subject
        assert content.unsubscribe in content.text
        assert content.unsubscribe in content.sms
        assert f'href="{content.unsubscribe}"' in content.html

    def test_a_plan_says_what_where_by_whom_by_when_and_links_the_plan(self) -> None:
        facts = plan_facts()
        text = Renderer().render("plan_published", "sv", facts, municipality_code="0683").text
        assert "Byt trasiga armaturer i gångtunneln" in text
        assert "Forsheda" in text
        assert "Värnamo kommun, gatuavdelningen" in text
        assert "20 december 2027" in text
        assert facts["public_url"] in text

    def test_a_responsible_organisation_is_told_what_it_answers_for(self) -> None:
        content = Renderer().render(
            "plan_published",
            "en",
            plan_facts(),
            audience="contact",
            stakeholder_key="dept:0683:GATA",
            stakeholder_name="Gatuavdelningen",
        )
        assert "Your organisation is responsible for" in content.text
        assert "contact of Gatuavdelningen" in content.text

    def test_an_email_is_filled_in_per_recipient(self) -> None:
        content = Renderer().render("plan_published", "sv", plan_facts())
        raw = template(content, "Trygg <noreply@trygg.example>", "sv")
        id_ = uuid.uuid4()
        filled = fill(raw, id_, "bo@example.se", "trygg.example", "https://x/u/T")
        message = email.message_from_bytes(filled, policy=email.policy.default)
        assert message["To"] == "bo@example.se"
        assert message["Message-ID"] == f"<{id_}@trygg.example>"
        assert message["List-Unsubscribe"] == "<https://x/u/T>"
        assert message["Subject"].startswith("Åtgärdsplan för Forsheda")
        assert content.unsubscribe.encode() not in filled
        assert content.confirm.encode() not in filled
        assert "Avsluta prenumerationen eller radera dina uppgifter: https://x/u/T\n" in _text(
            message
        )

    @pytest.mark.parametrize("kind", ["plan_published", "direct"])
    def test_an_email_of_any_text_has_short_lines_and_decodes_to_the_text(self, kind: str) -> None:
        # One line of 4,000 characters (walks takes up to 5,000), with what QP must escape.
        long = "Gångtunneln = mörk; " + "lampor byts ut " * 265 + "\tslut. "
        data = {**EXAMPLES[kind], "public_summary": long, "body": {"sv": long}}
        content = Renderer().render(kind, "sv", data)
        url = "https://trygg.example.se/notify/subscriptions/unsubscribe/" + "T=x" * 40
        filled = fill(template(content, "Trygg <a@b.se>", "sv"), uuid.uuid4(), "b@c.se", "d", url)
        body = filled.split(b"\r\n\r\n", 1)[1]
        assert max(len(line) for line in body.split(b"\r\n")) <= 76
        assert max(len(line) for line in filled.split(b"\r\n")) <= 998
        assert filled.isascii()
        message = email.message_from_bytes(filled, policy=email.policy.default)
        assert _text(message) == content.filled(content.text, url, "")
        html = message.get_body(("html",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
        assert html.rstrip("\n") == content.filled(content.html, url, "").rstrip("\n")
        assert message["List-Unsubscribe"] == f"<{url}>"

    def test_placeholders_written_in_the_text_stay_as_written(self) -> None:
        written = "Skriv @@UNSUBSCRIBE_URL@@ eller @@CONFIRM_URL@@ för att avsluta."
        facts = plan_facts(title=written, public_summary=written)
        content = Renderer().render("plan_published", "sv", facts)
        for text in (content.text, content.sms, content.html):
            filled = content.filled(text, "https://x/u/T", "https://x/c/T")
            assert "@@UNSUBSCRIBE_URL@@" in filled
            assert filled.count("https://x/u/T") == (2 if text is content.html else 1)
            assert "https://x/c/T" not in filled
        assert Renderer().render("plan_published", "sv", facts).unsubscribe != content.unsubscribe

    @pytest.mark.parametrize(
        ("moment", "shown"),
        [
            ("-infinity", "-infinity"),
            ("infinity", "infinity"),
            # Past the last and before the first local time a datetime can hold.
            ("9999-12-31T23:59:59.999999+00:00", "9999-12-31T23:59:59.999999+00:00"),
            ("0001-01-01T00:30:00+01:00", "0001-01-01T00:30:00+01:00"),
            ("0001-01-01T00:00:00+00:00", "1 januari 1 kl."),
            ("not a date", "not a date"),
        ],
    )
    def test_dates_out_of_any_calendar_render_as_given(self, moment: str, shown: str) -> None:
        walk = {
            **EXAMPLES["walk_scheduled"],
            "starts_at": moment,
            "pre_meeting_date": "0001-01-01",
            "closing_meeting_date": "9999-12-31",
        }
        plan = {**EXAMPLES["plan_published"], "measures": [measure(due_date=moment)]}
        for kind, data in (
            ("walk_scheduled", walk),
            ("walk_rescheduled", walk),
            ("plan_published", plan),
        ):
            for lang in ("sv", "en"):
                Renderer().render(kind, lang, data)
        content = Renderer().render("walk_scheduled", "sv", walk)
        assert shown in content.text
        assert shown.split(" kl.")[0] in content.subject
        assert "1 januari 1." in content.text
        assert "31 december 9999." in content.text
        plan_text = Renderer().render("plan_published", "sv", plan).text
        assert f"klart senast {shown.split(' kl.')[0]}" in plan_text

    def test_a_time_without_a_time_of_day_shows_its_day(self) -> None:
        walk = {**EXAMPLES["walk_scheduled"], "starts_at": "2027-10-14"}
        assert "14 oktober 2027" in Renderer().render("walk_scheduled", "sv", walk).sms


def _text(message: email.message.EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


NS = {"cap": cap.CAP, "a": cap.ATOM}
SENT = datetime(2027, 11, 1, 10, 0, tzinfo=UTC)


def _alert(xml: str) -> ET.Element:
    return ET.fromstring(xml.split("\n", 1)[1])


def _infos(root: ET.Element) -> dict[str, ET.Element]:
    return {
        i.findtext("cap:language", namespaces=NS) or "": i for i in root.findall("cap:info", NS)
    }


def _revised(note: str = "Ny tid.") -> ActionPlanRevised:
    return ActionPlanRevised.model_validate(
        {**plan_facts(revision=2), "revised_at": SENT, "revision_note": note}
    )


class TestCap:
    def test_an_update_is_cap_1_2_in_swedish_with_the_area_and_the_revisions_note(self) -> None:
        plan = _revised()
        xml = cap.document("urn:uuid:1", SENT, "Update", "a,b,c", plan, CapSettings())
        assert_valid_cap(xml)
        root = _alert(xml)
        assert root.tag == f"{{{cap.CAP}}}alert"
        assert root.findtext("cap:msgType", namespaces=NS) == "Update"
        assert root.findtext("cap:references", namespaces=NS) == "a,b,c"
        assert root.findtext("cap:sent", namespaces=NS) == "2027-11-01T10:00:00-00:00"
        [info] = root.findall("cap:info", NS)
        assert info.findtext("cap:language", namespaces=NS) == "sv-SE"
        assert info.findtext("cap:description", namespaces=NS) == (
            "Ändrat: Ny tid.\n\nBättre belysning mellan skolan och stationen."
        )
        polygon = info.findtext("cap:area/cap:polygon", namespaces=NS)
        assert polygon is not None
        pairs = polygon.split()
        assert pairs[0] == pairs[-1]
        assert len(pairs) == 5
        assert info.findtext("cap:area/cap:areaDesc", namespaces=NS) == "Forsheda, Värnamo"
        assert info.findtext("cap:area/cap:geocode/cap:value", namespaces=NS) == "0683"
        assert info.findtext("cap:category", namespaces=NS) == "Infra"

    def test_english_text_makes_an_en_us_info_that_is_all_english(self) -> None:
        plan = _revised()
        english = cap.info_text(
            "en-US", "Update", plan, "Safer evenings", "Better lighting.", "A new date."
        )
        texts = {**cap.plan_texts(plan, "Update"), "en-US": english}
        xml = cap.document("urn:uuid:1", SENT, "Update", None, plan, CapSettings(), texts)
        infos = _infos(_alert(xml))
        assert list(infos) == ["sv-SE", "en-US"]
        en = infos["en-US"]
        assert en.findtext("cap:event", namespaces=NS) == "Community safety action plan"
        assert en.findtext("cap:headline", namespaces=NS) == (
            "Action plan for Forsheda: Safer evenings"
        )
        assert en.findtext("cap:description", namespaces=NS) == (
            "Changed: A new date.\n\nBetter lighting."
        )
        assert_valid_cap(xml)

    @pytest.mark.parametrize("msg_type", ["Alert", "Update", "Cancel"])
    def test_a_plan_without_english_text_has_no_en_us_info(self, msg_type: str) -> None:
        facts = plan_facts()
        plan = {
            "Alert": lambda: ActionPlanPublished.model_validate({**facts, "published_at": SENT}),
            "Update": _revised,
            "Cancel": lambda: ActionPlanWithdrawn.model_validate(
                {**facts, "withdrawn_at": SENT, "reason": "Ersatt av en ny plan."}
            ),
        }[msg_type]()
        xml = cap.document("urn:uuid:1", SENT, msg_type, None, plan, CapSettings())
        assert_valid_cap(xml)
        assert list(_infos(_alert(xml))) == ["sv-SE"]
        assert "en-US" not in xml

    def test_the_oasis_schema_refuses_an_info_out_of_its_order(self) -> None:
        xml = cap.document("urn:uuid:1", SENT, "Update", None, _revised(), CapSettings())
        swapped = xml.replace("<category>Infra</category>", "").replace(
            "</urgency>", "</urgency><category>Infra</category>"
        )
        assert schema_errors(swapped), "a category after urgency breaks CAP 1.2's sequence"

    def test_a_cancel_says_why_in_its_description(self) -> None:
        plan = ActionPlanWithdrawn.model_validate(
            {**plan_facts(), "withdrawn_at": SENT, "reason": "Ersatt av en ny plan."}
        )
        info = _infos(_alert(cap.document("urn:uuid:1", SENT, "Cancel", None, plan, CapSettings())))
        assert info["sv-SE"].findtext("cap:headline", namespaces=NS) == (
            "Åtgärdsplanen för Forsheda gäller inte längre"
        )
        assert info["sv-SE"].findtext("cap:description", namespaces=NS) == "Ersatt av en ny plan."
        assert info["sv-SE"].findtext("cap:urgency", namespaces=NS) == "Past"


class TestAtom:
    def _alert_row(self, plan: ActionPlanRevised, municipality: str = "0683") -> CapAlert:
        xml = cap.document("urn:uuid:1", SENT, "Update", None, plan, CapSettings())
        return CapAlert(
            identifier="urn:uuid:1",
            municipality_code=municipality,
            plan_id=plan.plan_id,
            revision=2,
            msg_type="Update",
            headline="Åtgärdsplan för Forsheda: Tryggare kvällar i Forsheda",
            sent=SENT,
            document=xml,
        )

    def test_the_feed_names_the_municipality_and_each_entry_has_a_summary(self) -> None:
        alert = self._alert_row(_revised("Lampor tidigare."))
        feed = cap.feed("0683", [alert], "https://trygg.example.se/notify", SENT)
        root = ET.fromstring(feed.split("\n", 1)[1])
        assert root.findtext("a:title", namespaces=NS) == "Trygg: åtgärdsplaner i Värnamo (CAP 1.2)"
        [entry] = root.findall("a:entry", NS)
        summary = entry.find("a:summary", NS)
        assert summary is not None
        assert summary.get("type") == "text"
        assert summary.text == (
            "Ändrat: Lampor tidigare.\n\nBättre belysning mellan skolan och stationen."
        )

    def test_a_municipality_without_a_known_name_is_named_by_its_code(self) -> None:
        feed = cap.feed("9999", [], "https://trygg.example.se/notify", SENT)
        title = ET.fromstring(feed.split("\n", 1)[1]).findtext("a:title", namespaces=NS)
        assert title == "Trygg: åtgärdsplaner i kommun 9999 (CAP 1.2)"


def test_municipalities_are_named_by_their_code_and_unknown_codes_read_as_themselves() -> None:
    names = {code: municipalities.name(code) for code in ("0683", "0662", "0617", "0665")}
    assert names == {"0683": "Värnamo", "0662": "Gislaved", "0617": "Gnosjö", "0665": "Vaggeryd"}
    assert (municipalities.name("9999"), municipalities.name_or_code("9999")) == (None, "9999")
    assert municipalities.name_or_code("0683") == "Värnamo"


def test_every_event_type_a_webhook_can_name_is_routed() -> None:
    routed = set(worker.routes(Settings()))
    assert set(EventType.__args__) == routed  # type: ignore[attr-defined]
