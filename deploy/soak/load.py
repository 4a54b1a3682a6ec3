"""The steady load, through the REST APIs as staff, residents and tipsters use them: residents
subscribe and confirm by their links, the webhook is registered, then plans are published,
revised and withdrawn, messages sent to the area's residents and tips sent in, while the
faults come and go.

Every call is retried until it has a definite answer, so each event the driver expects
happened exactly once: creations carry an Idempotency-Key (tips a fixed id), and a state
change whose answer was lost is looked up before it is asked for again.
"""

import asyncio
import random
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from ledger import WEBHOOK, MailSink, sms_messages, token

from shared.auth import mint_token
from shared.settings import AuthSettings

MUNICIPALITY = "0683"
LOCALITY = "Forsheda"
LON, LAT = 13.827, 57.1635
AREA = {
    "type": "Polygon",
    "coordinates": [
        [[13.818, 57.158], [13.836, 57.158], [13.836, 57.168], [13.818, 57.168], [13.818, 57.158]]
    ],
}
STAFF = ["notify:read", "notify:write"]
WALKS = ["walks:read", "walks:write", "walks:publish"]
TIPS_ADMIN = ["tips:read", "tips:write", "tips:admin"]
PLAN_EVENTS = [
    "se.trygg.walks.action_plan.published.v1",
    "se.trygg.walks.action_plan.revised.v1",
    "se.trygg.walks.action_plan.withdrawn.v1",
]
CONFIRM_LINK = re.compile(r"https?://\S+?/subscriptions/confirm/[A-Za-z0-9_-]+")
# An answer this long in coming is taken as lost; the call is made again.
CALL_TIMEOUT_S = 10.0
GIVE_UP_AFTER_S = 600.0


def headers(scopes: list[str], key: str | None = None) -> dict[str, str]:
    token_ = mint_token(AuthSettings(), "soak", scopes, [MUNICIPALITY])
    found = {"Authorization": f"Bearer {token_}"}
    return {**found, "Idempotency-Key": key} if key else found


class Refused(Exception):
    """A 4xx the driver did not expect: the driver, not the system, is wrong."""


async def call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    ok: tuple[int, ...],
    done: Callable[[], Awaitable[bool]] | None = None,
    **kwargs: Any,
) -> httpx.Response | None:
    """The call, again and again through outages until it has one of the `ok` answers. With
    `done`, a call whose answer was lost is first checked: it may have happened already (then
    None is returned)."""
    deadline = asyncio.get_running_loop().time() + GIVE_UP_AFTER_S
    answer_lost = False
    while True:
        if answer_lost and done is not None and await _holds(done):
            return None
        try:
            response = await client.request(method, path, timeout=CALL_TIMEOUT_S, **kwargs)
            if response.status_code in ok:
                return response
            if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
                raise Refused(f"{method} {path}: {response.status_code} {response.text}")
            answer_lost = True
        except httpx.TransportError:
            answer_lost = True
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{method} {path} had no answer in {GIVE_UP_AFTER_S:.0f} s")
        await asyncio.sleep(0.5)


async def _holds(done: Callable[[], Awaitable[bool]]) -> bool:
    try:
        return await done()
    except (httpx.TransportError, ValueError, KeyError):
        return False


@dataclass
class Clients:
    walks: httpx.AsyncClient
    tips: httpx.AsyncClient
    notify: httpx.AsyncClient
    sms: httpx.AsyncClient
    mail: MailSink


@dataclass
class Audience:
    """Who hears of what the driver does: residents by address, and the webhook."""

    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)

    @property
    def residents(self) -> list[str]:
        return self.emails + self.phones


async def subscribe_residents(
    clients: Clients, emails: int, phones: int, webhook_url: str
) -> Audience:
    """Residents in the area subscribe to action plans and measures done, by email or SMS,
    and confirm by the link they were sent; the webhook is registered for plan events."""
    audience = Audience()
    salt = uuid.uuid4().hex[:6]
    for n in range(emails):
        audience.emails.append(f"boende{n}-{salt}@soak.example")
    for _ in range(phones):
        audience.phones.append(f"+4670{random.randint(1_000_000, 9_999_999)}")
    for n, address in enumerate(audience.residents):
        channel = "email" if "@" in address else "sms"
        where = {"type": "Point", "coordinates": [LON + 0.0005 * n, LAT]}
        body: dict[str, Any] = {
            "municipality_code": MUNICIPALITY,
            "place": {"kind": "point", "center": where, "radius_m": 50},
            "topics": {"action_plans": channel, "measures_done": channel},
            channel if channel == "email" else "phone": address,
        }
        await call(clients.notify, "POST", "/subscriptions", ok=(202,), json=body)
    for address in audience.residents:
        link = await _confirmation_link(clients, address)
        await call(clients.notify, "POST", link, ok=(200,))
    hook = {"municipality_code": MUNICIPALITY, "url": webhook_url, "event_types": PLAN_EVENTS}
    await call(clients.notify, "POST", "/webhooks", ok=(201,), json=hook, headers=headers(STAFF))
    admin = headers(TIPS_ADMIN)
    await call(clients.tips, "POST", f"/municipalities/{MUNICIPALITY}/default-categories",
               ok=(200,), headers=admin)  # fmt: skip
    return audience


async def _confirmation_link(clients: Clients, address: str) -> str:
    for _ in range(240):
        if "@" in address:
            texts = clients.mail.text_to(address)
        else:
            texts = [m["message"] for m in await sms_messages(clients.sms) if m["to"] == address]
        if found := next((m[0] for t in texts if (m := CONFIRM_LINK.search(t))), None):
            return str(found)
        await asyncio.sleep(0.5)
    raise TimeoutError(f"no confirmation link reached {address}")


@dataclass
class Load:
    """One run's load: what it did, as the (recipient, event) pairs it expects to be told."""

    clients: Clients
    audience: Audience
    run: int
    expected: set[tuple[str, str]] = field(default_factory=set)
    published: list[str] = field(default_factory=list)
    operations: int = 0
    _count: int = 0

    def _next(self, kind: str) -> str:
        self._count += 1
        return token(self.run, kind, self._count)

    def _tell_everyone(self, event: str, webhook: bool) -> None:
        self.expected |= {(r, event) for r in self.audience.residents}
        if webhook:
            self.expected.add((WEBHOOK, event))

    async def until(self, stop: asyncio.Event, pause_s: float) -> None:
        """One operation after another, picked at random, until `stop`."""
        while not stop.is_set():
            await self.one()
            self.operations += 1
            await asyncio.sleep(random.uniform(pause_s / 2, pause_s * 1.5))

    async def one(self) -> None:
        choice = random.random()
        if not self.published or choice < 0.3:
            await self.publish_plan()
        elif choice < 0.5:
            await self.revise_plan(random.choice(self.published))
        elif choice < 0.6:
            await self.withdraw_plan(self.published.pop(random.randrange(len(self.published))))
        elif choice < 0.8:
            await self.send_message()
        else:
            await self.send_tip()

    async def publish_plan(self) -> None:
        event = self._next("p")
        plan = {
            "municipality_code": MUNICIPALITY,
            "locality": LOCALITY,
            "title": f"Tryggare kvällar {event}",
            "public_summary": "Bättre belysning längs vägen mellan skolan och stationen.",
            "affected_area": AREA,
            "buffer_m": 100,
            "measures": [
                {
                    "title": "Byt trasiga armaturer i gångtunneln",
                    "responsible": {"name": "Gatuavdelningen", "department_code": "GATA"},
                    "priority": "high",
                    "due_date": "2027-12-20",
                }
            ],
        }
        created = await call(self.clients.walks, "POST", "/action-plans", ok=(201,), json=plan,
                             headers=headers(WALKS, event))  # fmt: skip
        assert created is not None
        plan_id = str(created.json()["id"])
        await self._transition(plan_id, "publish", None, lambda p: p["status"] == "published")
        self._tell_everyone(event, webhook=True)
        self.published.append(plan_id)

    async def revise_plan(self, plan_id: str) -> None:
        event = self._next("r")
        path = f"/action-plans/{plan_id}"
        before = await self._plan(plan_id)
        # A summary never seen before: a revision must change something.
        change = {"public_summary": f"Arbetet börjar tidigare (ändring {uuid.uuid4().hex[:8]})."}
        await call(self.clients.walks, "PATCH", path, ok=(200,), json=change,
                   headers=headers(WALKS))  # fmt: skip
        note = {"revision_note": f"Tidigare start ({event})."}
        revision = before["revision"]
        await self._transition(plan_id, "revise", note, lambda p: p["revision"] > revision)
        self._tell_everyone(event, webhook=True)

    async def withdraw_plan(self, plan_id: str) -> None:
        event = self._next("w")
        reason = {"reason": f"Ersätts av en ny plan ({event})."}
        await self._transition(plan_id, "withdraw", reason, lambda p: p["status"] == "withdrawn")
        self._tell_everyone(event, webhook=True)

    async def send_message(self) -> None:
        event = self._next("m")
        message = {
            "municipality_code": MUNICIPALITY,
            "topic": "measures_done",
            "subject": {"sv": f"Belysningen är lagad ({event})"},
            "body": {"sv": f"Alla armaturer i gångtunneln lyser igen ({event})."},
            "audience": {"area": AREA, "stakeholders_in_area": False},
        }
        await call(self.clients.notify, "POST", "/messages", ok=(201,), json=message,
                   headers=headers(STAFF, event))  # fmt: skip
        self._tell_everyone(event, webhook=False)

    async def send_tip(self) -> None:
        event = self._next("t")
        address = f"{event}@soak.example"
        tip = {
            "id": str(uuid.uuid4()),
            "category": "vandalism",
            "description": "Busskuren vid torget har fått rutorna krossade igen.",
            "locality": LOCALITY,
            "answers": {"happening_now": "no"},
            "contact": {"email": address, "consent": True},
        }
        path = f"/public/{MUNICIPALITY}/tips"
        await call(self.clients.tips, "POST", path, ok=(200, 201), json=tip)
        self.expected.add((address, event))

    async def _plan(self, plan_id: str) -> dict[str, Any]:
        path = f"/action-plans/{plan_id}"
        got = await call(self.clients.walks, "GET", path, ok=(200,), headers=headers(WALKS))
        assert got is not None
        plan: dict[str, Any] = got.json()
        return plan

    async def _transition(
        self,
        plan_id: str,
        action: str,
        body: dict[str, Any] | None,
        happened: Callable[[dict[str, Any]], bool],
    ) -> None:
        async def done() -> bool:
            response = await self.clients.walks.get(
                f"/action-plans/{plan_id}", headers=headers(WALKS), timeout=CALL_TIMEOUT_S
            )
            return response.status_code == 200 and happened(response.json())

        path = f"/action-plans/{plan_id}/{action}"
        answer = await call(self.clients.walks, "POST", path, ok=(200, 409), done=done,
                            json=body, headers=headers(WALKS))  # fmt: skip
        # A conflict after a lost answer: the first call did it, if the plan says so.
        if answer is not None and answer.status_code == 409 and not await done():
            raise Refused(f"POST {path}: {answer.status_code} {answer.text}")
