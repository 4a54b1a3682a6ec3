"""SMS through an HTTP gateway, behind a small interface; the 46elks API is implemented.

46elks takes `from`, `to` and `message` as form fields on `POST /a1/sms` with HTTP basic
auth, and answers with the SMS as JSON, its `id` among the fields. It has no client-reference
field, so the notification id travels in the delivery-report URL (`whendelivered`), which is
how a report finds its notification again.

A send cut off after the request may have reached the gateway is unsure, not failed: sending it
again could give the resident the same SMS twice, and an SMS has no id a phone drops a repeat
by. The gateway's history (`GET /a1/sms`, filtered by recipient and time) tells whether it got
the SMS; `sent_since` asks it, matching the recipient and the exact text.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from notify.config import SmsSettings
from notify.domain import Status
from notify.messaging.channels.base import Outcome, delivered, failed, unsure

# Failures that leave no doubt the request never reached the gateway.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
# How many pages of history (100 SMS each) to read for one recipient before giving up the look.
HISTORY_PAGES = 10


@dataclass(frozen=True)
class SmsJob:
    notification_id: uuid.UUID
    to: str
    text: str
    # Where the gateway reports delivery; None to count the gateway's acceptance as delivery.
    report_url: str | None = None


@dataclass(frozen=True)
class SentSms:
    """An SMS found in the gateway's history: its id and the state it reached."""

    id: str
    status: str


class GatewayUnavailable(Exception):
    """The gateway's history could not be read; whether an SMS went stays unknown."""


class SmsGateway(Protocol):
    async def send(self, job: SmsJob) -> Outcome: ...

    async def sent_since(self, job: SmsJob, since: datetime) -> SentSms | None: ...

    async def aclose(self) -> None: ...


class Elks46Gateway:
    """The 46elks SMS API (https://46elks.com/docs/send-sms), or anything speaking it."""

    def __init__(
        self, settings: SmsSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._sender = settings.sender
        self._client = httpx.AsyncClient(
            base_url=settings.base_url,
            auth=(settings.username, settings.password.get_secret_value()),
            timeout=settings.timeout_s,
            follow_redirects=False,
            trust_env=False,
            transport=transport,
            limits=httpx.Limits(max_connections=settings.connections),
        )

    async def send(self, job: SmsJob) -> Outcome:
        form = {"from": self._sender, "to": job.to, "message": job.text}
        if job.report_url:
            form["whendelivered"] = job.report_url
        try:
            response = await self._client.post("/a1/sms", data=form)
        except NOT_SENT as exc:
            return failed(Status.TECHNICAL_FAILURE, "sms-connection", repr(exc))
        except httpx.TransportError as exc:  # timed out or cut off once the request was out
            return unsure("sms-unsure", repr(exc))
        return _outcome(response, job.report_url is not None)

    async def sent_since(self, job: SmsJob, since: datetime) -> SentSms | None:
        """The SMS to `job.to` with exactly `job.text` the gateway took after `since`, if any."""
        params = {"to": job.to, "end": _elks_time(since), "limit": "100"}
        for _ in range(HISTORY_PAGES):
            page = await self._history(params)
            for sms in page.get("data", []):
                if sms.get("direction") == "outgoing" and sms.get("message") == job.text:
                    return SentSms(str(sms["id"]), str(sms.get("status", "created")))
            if not page.get("next"):
                return None
            params = {**params, "start": str(page["next"])}
        raise GatewayUnavailable(f"more than {HISTORY_PAGES} pages of history for one number")

    async def _history(self, params: dict[str, str]) -> dict[str, Any]:
        try:
            response = await self._client.get("/a1/sms", params=params)
            response.raise_for_status()
            page = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise GatewayUnavailable(repr(exc)) from exc
        if not isinstance(page, dict):
            raise GatewayUnavailable(f"unexpected history: {str(page)[:200]}")
        return page

    async def aclose(self) -> None:
        await self._client.aclose()


def found(sms: SentSms, reports: bool) -> Outcome:
    """What an SMS found in the history counts as: the gateway's answer to the lost send."""
    if sms.status == "failed":
        return failed(Status.PERMANENT_FAILURE, "sms-failed", "gateway status failed")
    if reports and sms.status != "delivered":
        return Outcome(Status.SENDING, "sms-found", f"gateway status {sms.status}", sms.id)
    return delivered("sms-found", f"gateway status {sms.status}", sms.id)


def _elks_time(moment: datetime) -> str:
    """46elks' time format: UTC, no offset, microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _outcome(response: httpx.Response, reports: bool) -> Outcome:
    code = response.status_code
    if code == 200:
        return _accepted(response, reports)
    detail = f"{code} {response.text[:200]}"
    if code in (401, 402, 403) and "number" not in response.text.lower():
        # Our credentials or our account: retrying helps once an operator fixes it.
        return failed(Status.TECHNICAL_FAILURE, f"http-{code}", detail)
    if code == 429 or code >= 500:
        return failed(Status.TEMPORARY_FAILURE, f"http-{code}", detail)
    return failed(Status.PERMANENT_FAILURE, f"http-{code}", detail)


def _accepted(response: httpx.Response, reports: bool) -> Outcome:
    try:
        body = response.json()
        sms_id, state = str(body["id"]), str(body.get("status", "created"))
    except (ValueError, KeyError, TypeError):
        return failed(Status.TECHNICAL_FAILURE, "sms-bad-response", response.text[:200])
    if state == "failed":
        return failed(Status.PERMANENT_FAILURE, "sms-failed", f"gateway status {state}")
    if reports and state != "delivered":
        return Outcome(Status.SENDING, "sms-accepted", f"gateway status {state}", sms_id)
    return delivered("sms-accepted", f"gateway status {state}", sms_id)
