"""SMS through an HTTP gateway, behind a small interface; the 46elks API is implemented.

46elks takes `from`, `to` and `message` as form fields on `POST /a1/sms` with HTTP basic
auth, and answers with the SMS as JSON, its `id` among the fields. It has no client-reference
field, so the notification id travels in the delivery-report URL (`whendelivered`), which is
how a report finds its notification again.
"""

import uuid
from dataclasses import dataclass
from typing import Protocol

import httpx

from notify.config import SmsSettings
from notify.domain import Status
from notify.messaging.channels.base import Outcome, delivered, failed


@dataclass(frozen=True)
class SmsJob:
    notification_id: uuid.UUID
    to: str
    text: str
    # Where the gateway reports delivery; None to count the gateway's acceptance as delivery.
    report_url: str | None = None


class SmsGateway(Protocol):
    async def send(self, job: SmsJob) -> Outcome: ...

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
        except httpx.TimeoutException as exc:
            return failed(Status.TECHNICAL_FAILURE, "sms-timeout", repr(exc))
        except httpx.TransportError as exc:
            return failed(Status.TECHNICAL_FAILURE, "sms-connection", repr(exc))
        return _outcome(response, job.report_url is not None)

    async def aclose(self) -> None:
        await self._client.aclose()


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
