"""The 46elks adapter's contract, run against every gateway that speaks the 46elks API.

The same tests run against the SMS gateway stub in deploy/sinks (over real HTTP) and, when
TRYGG_46ELKS_USERNAME, TRYGG_46ELKS_PASSWORD and TRYGG_46ELKS_TO are set, against 46elks
itself (it sends one real SMS). So the stub the other tests rely on is held to what the real
adapter meets. Answers the stub never gives (a gateway outage) are checked apart, with
46elks' documented responses replayed.
"""

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from notify.config import SmsSettings
from notify.domain import Status
from notify.messaging.channels.sms import Elks46Gateway, GatewayUnavailable, SmsJob
from notify_testkit import Receiver, load_sink, serving
from shared.testing import wait_until

pytestmark = pytest.mark.service


@dataclass
class Backend:
    name: str
    settings: SmsSettings
    to: str
    stub: object | None = None


ELKS_ENV = ("TRYGG_46ELKS_USERNAME", "TRYGG_46ELKS_PASSWORD", "TRYGG_46ELKS_TO")
# The real gateway is across the network and not ours: it joins only when credentials are set.
BACKENDS = ["stub"] + (["46elks"] if all(os.environ.get(n) for n in ELKS_ENV) else [])


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "46elks":
        names = ELKS_ENV
        settings = SmsSettings(
            base_url="https://api.46elks.com",
            username=os.environ[names[0]],
            password=SecretStr(os.environ[names[1]]),
        )
        yield Backend("46elks", settings, os.environ[names[2]])
        return
    async with load_sink("sms_gateway").running(tmp_path) as (url, store):
        yield Backend("stub", SmsSettings(base_url=url), "+46701234567", store)


async def _send(settings: SmsSettings, job: SmsJob) -> tuple[Status, str | None]:
    gateway = Elks46Gateway(settings)
    try:
        outcome = await gateway.send(job)
    finally:
        await gateway.aclose()
    return outcome.status, outcome.provider_ref


class TestContract:
    async def test_an_sms_is_accepted_with_the_gateways_id(self, backend: Backend) -> None:
        job = SmsJob(uuid.uuid4(), backend.to, "Trygg: kontraktstest.")
        status, ref = await _send(backend.settings, job)
        assert status == Status.DELIVERED
        assert ref is not None
        assert ref.startswith("s")
        if backend.stub is not None:
            [sms] = backend.stub.messages  # type: ignore[attr-defined]
            assert (sms["id"], sms["to"], sms["message"]) == (ref, job.to, job.text)

    async def test_wrong_credentials_are_our_fault_and_retried(self, backend: Backend) -> None:
        wrong = backend.settings.model_copy(update={"password": SecretStr("wrong")})
        status, _ = await _send(wrong, SmsJob(uuid.uuid4(), backend.to, "x"))
        assert status == Status.TECHNICAL_FAILURE

    async def test_a_number_that_is_no_number_fails_for_good(self, backend: Backend) -> None:
        status, _ = await _send(backend.settings, SmsJob(uuid.uuid4(), "+46", "x"))
        assert status == Status.PERMANENT_FAILURE

    async def test_the_history_finds_an_sms_sent_by_its_number_and_text(
        self, backend: Backend
    ) -> None:
        before = datetime.now(UTC) - timedelta(seconds=5)
        job = SmsJob(uuid.uuid4(), backend.to, f"Trygg: historiktest {uuid.uuid4().hex[:8]}.")
        _, ref = await _send(backend.settings, job)
        other = SmsJob(uuid.uuid4(), backend.to, "Trygg: aldrig skickat.")
        gateway = Elks46Gateway(backend.settings)
        try:
            sent = await gateway.sent_since(job, before)
            assert sent is not None
            assert sent.id == ref
            assert await gateway.sent_since(other, before) is None
            assert await gateway.sent_since(job, datetime.now(UTC) + timedelta(minutes=1)) is None
        finally:
            await gateway.aclose()


async def test_the_stub_reports_delivery_where_asked_as_46elks_does(tmp_path: Path) -> None:
    receiver = Receiver()
    async with (
        load_sink("sms_gateway").running(tmp_path) as (url, _),
        serving(receiver.app) as hook,
    ):
        job = SmsJob(uuid.uuid4(), "+46701234567", "x", report_url=f"{hook}/hook")
        status, ref = await _send(SmsSettings(base_url=url), job)
        assert status == Status.SENDING

        async def reported() -> bool:
            return bool(receiver.requests)

        await wait_until(reported, 10, "the delivery report")
    [(_, body)] = receiver.requests
    assert f"id={ref}".encode() in body
    assert b"status=delivered" in body


@pytest.mark.parametrize(
    ("code", "body", "status"),
    [
        (503, "Service unavailable", Status.TEMPORARY_FAILURE),
        (429, "Too many requests", Status.TEMPORARY_FAILURE),
        (402, "Not enough credits", Status.TECHNICAL_FAILURE),
        (403, "Invalid to number", Status.PERMANENT_FAILURE),
        (200, '{"status": "failed", "id": "s1"}', Status.PERMANENT_FAILURE),
        (200, "not json", Status.TECHNICAL_FAILURE),
    ],
)
async def test_documented_answers_map_to_statuses(code: int, body: str, status: Status) -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(code, text=body))
    gateway = Elks46Gateway(SmsSettings(base_url="https://api.46elks.com"), transport)
    outcome = await gateway.send(SmsJob(uuid.uuid4(), "+46701234567", "x"))
    await gateway.aclose()
    assert outcome.status == status


async def test_the_history_is_read_page_by_page(tmp_path: Path) -> None:
    """The SMS looked for is older than the newest 100 to its number: on the second page."""
    async with load_sink("sms_gateway").running(tmp_path) as (url, store):
        settings = SmsSettings(base_url=url)
        wanted = SmsJob(uuid.uuid4(), "+46701234567", "Trygg: det första.")
        before = datetime.now(UTC) - timedelta(seconds=5)
        await _send(settings, wanted)
        for n in range(130):
            await _send(settings, SmsJob(uuid.uuid4(), "+46701234567", f"Trygg: nummer {n}."))
        await _send(settings, SmsJob(uuid.uuid4(), "+46709876543", "Trygg: till en annan."))
        gateway = Elks46Gateway(settings)
        try:
            sent = await gateway.sent_since(wanted, before)
        finally:
            await gateway.aclose()
        assert sent is not None
        assert sent.id == store.messages[0]["id"]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (httpx.ConnectError("refused"), Status.TECHNICAL_FAILURE),
        (httpx.ConnectTimeout("no answer to connect"), Status.TECHNICAL_FAILURE),
        (httpx.ReadTimeout("no answer"), Status.SENDING),
        (httpx.ReadError("connection reset"), Status.SENDING),
        (httpx.RemoteProtocolError("closed mid-answer"), Status.SENDING),
    ],
)
async def test_a_send_cut_off_after_the_request_went_is_unsure(
    error: httpx.HTTPError, status: Status
) -> None:
    """Before the request went, the SMS surely was not sent and may go again; after, it may
    have been, and is unsure (sending, no provider id) until the history says."""

    def fail(_: httpx.Request) -> httpx.Response:
        raise error

    gateway = Elks46Gateway(
        SmsSettings(base_url="https://api.46elks.com"), httpx.MockTransport(fail)
    )
    outcome = await gateway.send(SmsJob(uuid.uuid4(), "+46701234567", "x"))
    await gateway.aclose()
    assert outcome.status == status
    assert outcome.unsure == (status == Status.SENDING)


@pytest.mark.parametrize(
    ("code", "body"), [(401, "API access requires Basic HTTP authentication"), (200, "not json")]
)
async def test_a_history_that_cannot_be_read_says_so(code: int, body: str) -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(code, text=body))
    gateway = Elks46Gateway(SmsSettings(base_url="https://api.46elks.com"), transport)
    job = SmsJob(uuid.uuid4(), "+46701234567", "x")
    with pytest.raises(GatewayUnavailable):
        await gateway.sent_since(job, datetime.now(UTC))
    await gateway.aclose()
