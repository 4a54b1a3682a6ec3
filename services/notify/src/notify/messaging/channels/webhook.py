"""Signed webhooks, as Standard Webhooks 1.0 specifies them.

Each POST carries `webhook-id` (the notification id, the same on every retry: the receiver's
key for dropping duplicates), `webhook-timestamp` (Unix seconds) and `webhook-signature`
(`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the `whsec_` secret). The body
is the CloudEvent that caused the message. Targets are vetted again at every delivery and
reached at the vetted address; redirects are never followed.
"""

import base64
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from notify import netguard
from notify.config import WebhookSettings
from notify.domain import Status
from notify.messaging.channels.base import Outcome, delivered, failed

SECRET_PREFIX = "whsec_"
CONTENT_TYPE = "application/cloudevents+json"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signed_headers(secret: str, webhook_id: str, body: bytes, now: float) -> dict[str, str]:
    """The three Standard Webhooks headers, signed by the specification's reference library."""
    moment = datetime.fromtimestamp(int(now), UTC)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now)),
        "webhook-signature": Webhook(secret).sign(webhook_id, moment, body.decode()),
    }


@dataclass(frozen=True)
class WebhookJob:
    notification_id: uuid.UUID
    url: str
    secret: str
    body: bytes


class WebhookChannel:
    def __init__(
        self, settings: WebhookSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._schemes = settings.schemes
        self._allowed = netguard.parse_networks(settings.allow_private_networks)
        self._client = httpx.AsyncClient(
            timeout=settings.timeout_s,
            follow_redirects=False,
            trust_env=False,
            transport=transport,
            limits=httpx.Limits(max_connections=settings.connections),
        )

    async def send(self, job: WebhookJob) -> Outcome:
        try:
            target = await netguard.vet(job.url, self._schemes, self._allowed)
        except netguard.TargetRefused as exc:
            return failed(Status.PERMANENT_FAILURE, "private-address", str(exc))
        headers = {
            "content-type": CONTENT_TYPE,
            "user-agent": "Trygg-Webhooks/1",
            # The vetted address is connected to; the host name still names the site.
            "host": target.url.netloc,
            **signed_headers(job.secret, str(job.notification_id), job.body, time.time()),
        }
        extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
        try:
            response = await self._client.post(
                target.connect_url(), content=job.body, headers=headers, extensions=extensions
            )
        except httpx.TimeoutException as exc:
            return failed(Status.TEMPORARY_FAILURE, "http-timeout", repr(exc))
        except httpx.TransportError as exc:
            return failed(Status.TEMPORARY_FAILURE, "http-connection", repr(exc))
        return _outcome(response.status_code)

    async def aclose(self) -> None:
        await self._client.aclose()


def _outcome(code: int) -> Outcome:
    if 200 <= code < 300:
        return delivered(f"http-{code}")
    if 300 <= code < 400:
        return failed(Status.PERMANENT_FAILURE, f"http-{code}", "redirects are not followed")
    if code in (408, 425, 429) or code >= 500:
        return failed(Status.TEMPORARY_FAILURE, f"http-{code}", f"the receiver answered {code}")
    return failed(Status.PERMANENT_FAILURE, f"http-{code}", f"the receiver answered {code}")
