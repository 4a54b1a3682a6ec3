"""The demo `make up` loads: Värnamo (0683), a safety walk in Forsheda, its action plan, a few
residents who subscribed and confirmed, and a stakeholder, so the notifications can be seen in
the local mail sink and SMS gateway stub; then tips (`demo_tips.py`) and incidents, hot spots
and rounds (`demo_patrols.py`).

    .venv/bin/python deploy/demo.py --mail-dir .state/dev/mail --sms-url http://127.0.0.1:8025

It talks to the running APIs only (walks 8001, tips 8002, patrols 8003, notify 8004), as
residents and staff would, with development tokens. Residents confirm by following the link in
the confirmation message that reached the mail sink or the SMS stub. It can be run again: what
exists already is left as it is (Idempotency-Key, and residents are looked up in the delivery
log first; tips and incidents have fixed ids).
"""

import argparse
import asyncio
import email
import email.policy
import json
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
from demo_patrols import load_patrols
from demo_promise import follow_up, sign_promise
from demo_tips import load_tips

from shared.auth import mint_token
from shared.settings import AuthSettings

T = TypeVar("T")
MUNICIPALITY = "0683"
# The walk lies in the past, the plan is published today, its measures are due in the future.
WALK_DAYS_AGO = 10
FORSHEDA = (13.827, 57.1635)
AREA = {
    "type": "Polygon",
    "coordinates": [
        [[13.818, 57.158], [13.836, 57.158], [13.836, 57.168], [13.818, 57.168], [13.818, 57.158]]
    ],
}
RESIDENTS: list[dict[str, Any]] = [
    {
        "email": "anna.andersson@example.se",
        "language": "sv",
        "municipality_code": MUNICIPALITY,
        "place": {"kind": "point", "center": {"type": "Point", "coordinates": [13.8241, 57.1619]}},
        "topics": {
            "action_plans": "email",
            "walk_invitations": "email",
            "measures_done": "email",
            "patrol_feedback": "email",
        },
    },
    {
        "phone": "070-123 45 67",
        "language": "sv",
        "place": {"kind": "locality", "name": "Forsheda", "municipality_code": MUNICIPALITY},
        "topics": {"action_plans": "sms", "measures_done": "sms"},
    },
    {
        "email": "sam.smith@example.se",
        "language": "en",
        "municipality_code": MUNICIPALITY,
        "place": {"kind": "area", "polygon": AREA},
        "topics": {"action_plans": "email", "walk_invitations": "email", "promise": "email"},
        "quiet_hours": {"start": "22:00", "end": "07:00"},
    },
]
STAKEHOLDER = {
    "municipality_code": MUNICIPALITY,
    "key": f"dept:{MUNICIPALITY}:GATA",
    "name": "Värnamo kommun, gatuavdelningen",
    "kind": "municipal_department",
    "categories": ["lighting", "access_paths"],
    "area": AREA,
    "contacts": [
        {"name": "Gatuchefen", "email": "gatuchef@varnamo.example.se", "channel": "email"}
    ],
}


def _walk(starts_at: datetime) -> dict[str, Any]:
    meeting = {"name": "Forsheda skola, huvudentrén", "location": _point(13.8241, 57.1619)}
    return {
        "municipality_code": MUNICIPALITY,
        "locality": "Forsheda",
        "title": "Trygghetsvandring i Forsheda centrum",
        "public_description": "Vi går från skolan till stationen och ser på belysning och "
        "gångvägar. Alla som bor eller arbetar i Forsheda är välkomna.",
        "area": AREA,
        "route": {"type": "LineString", "coordinates": [[13.8241, 57.1619], [13.8302, 57.1645]]},
        "stops": [meeting, {"name": "Stationen", "location": _point(13.8302, 57.1645)}],
        "meeting_point": meeting,
        "starts_at": starts_at.isoformat(),
        "light_condition": "after_dark",
    }


PLAN = {
    "title": "Tryggare kvällar i Forsheda",
    "public_summary": "Bättre belysning och röjd grönska längs vägen mellan skolan och "
    "stationen, där många känner sig otrygga när det är mörkt.",
    "buffer_m": 200,
    "measures": [
        {
            "title": "Byt trasiga armaturer i gångtunneln",
            "description": "Två armaturer byts och belysningen förstärks vid mynningarna.",
            "responsible": {"name": "Värnamo kommun, gatuavdelningen", "department_code": "GATA"},
            "priority": "high",
            "due_date": (datetime.now(UTC) + timedelta(days=45)).date().isoformat(),
            "category": "lighting",
        },
        {
            "title": "Röj buskagen vid stationens cykelparkering",
            "responsible": {"name": "Forsheda Bostäder AB (demo)", "org_number": "559900-1236"},
            "priority": "medium",
            "due_date": (datetime.now(UTC) + timedelta(days=90)).date().isoformat(),
            "category": "vegetation_sight_lines",
        },
    ],
}


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def _headers(scopes: list[str], key: str | None = None) -> dict[str, str]:
    token = mint_token(AuthSettings(), "demo", scopes, [MUNICIPALITY])
    headers = {"Authorization": f"Bearer {token}"}
    return {**headers, "Idempotency-Key": key} if key else headers


def _ok(response: httpx.Response, *also: int) -> dict[str, Any]:
    if response.status_code >= 400 and response.status_code not in also:
        sys.exit(f"{response.request.method} {response.request.url}: {response.text}")
    body: dict[str, Any] = response.json() if response.content else {}
    return body


STAFF = ["notify:read", "notify:write"]
WALKS = ["walks:read", "walks:write", "walks:publish"]
CONFIRM_LINK = re.compile(r"https?://\S+?/subscriptions/confirm/[A-Za-z0-9_-]+")


class Sinks:
    """Where the demo's messages arrive: the mail sink's folder and the SMS gateway stub."""

    def __init__(self, mail_dir: Path, sms: httpx.AsyncClient) -> None:
        self.mail_dir = mail_dir
        self.sms = sms

    async def confirm_link(self, address: str) -> str | None:
        if "@" in address:
            return self._link_in_mail(address)
        response = await self.sms.get("/a1/sms", params={"to": address})
        texts = [m["message"] for m in response.json()["data"]]
        return next((m[0] for t in texts if (m := CONFIRM_LINK.search(t))), None)

    def _link_in_mail(self, address: str) -> str | None:
        index = self.mail_dir / "index.jsonl"
        if not index.exists():
            return None
        for line in reversed(index.read_text(encoding="utf-8").splitlines()):
            entry = json.loads(line)
            if address not in entry["to"]:
                continue
            if found := CONFIRM_LINK.search(_plain_text(self.mail_dir / entry["file"])):
                return found[0]
        return None


def _plain_text(eml: Path) -> str:
    """The message's plain-text part, decoded (bodies travel quoted-printable)."""
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    body = message.get_body(("plain",))
    return "" if body is None else str(body.get_content())


def _address(body: dict[str, Any]) -> str:
    if "email" in body:
        return str(body["email"])
    digits = re.sub(r"[\s-]", "", str(body["phone"]))
    return "+46" + digits[1:] if digits.startswith("0") else digits


async def subscribe_residents(notify: httpx.AsyncClient, sinks: Sinks) -> None:
    """Each resident subscribes (unless an earlier run did) and follows the emailed link."""
    for body in RESIDENTS:
        address = _address(body)
        link = await sinks.confirm_link(address)
        if link is None:
            _ok(await notify.post("/subscriptions", json=body))
            link = await _wait_for(partial(sinks.confirm_link, address), f"a link to {address}")
        # The link opens a page; its button (a POST) confirms, as a resident's click would.
        page = await notify.post(link)
        if page.status_code != 200:
            sys.exit(f"confirming {address} failed: {page.status_code} from {link}")
        print(f"  {address}: subscribed and confirmed")  # noqa: T201


async def _wait_for(
    probe: Callable[[], Awaitable[T | None]], what: str, timeout_s: float = 60
) -> T:
    for _ in range(int(timeout_s / 0.5)):
        if (found := await probe()) is not None:
            return found
        await asyncio.sleep(0.5)
    sys.exit(f"no {what} arrived within {timeout_s:.0f} s: are the notify worker and sinks up?")


async def walk_and_plan(walks: httpx.AsyncClient) -> str:
    """The walk, held ten days ago and recorded as conducted, and its plan published today;
    the measures' deadlines lie ahead (see PLAN)."""
    today = datetime.now(UTC).replace(hour=16, minute=30, second=0, microsecond=0)
    starts = today - timedelta(days=WALK_DAYS_AGO)
    # Keys per day: a run later the same day finds what the first made (dates are the same).
    day = f"{today:%Y%m%d}"
    walk_key = _headers(WALKS, f"demo-walk-{day}")
    walk = _ok(await walks.post("/walks", json=_walk(starts), headers=walk_key))
    print(f"  walk {walk['id']} held on {starts:%Y-%m-%d %H:%M} UTC")  # noqa: T201
    conducted = {"conducted_at": (starts + timedelta(hours=2)).isoformat()}
    conduct = await walks.post(
        f"/walks/{walk['id']}/conduct", json=conducted, headers=_headers(WALKS)
    )
    _ok(conduct, 409)
    url = f"/walks/{walk['id']}/action-plans"
    plan = _ok(await walks.post(url, json=PLAN, headers=_headers(WALKS, f"demo-plan-{day}")))
    published = await walks.post(f"/action-plans/{plan['id']}/publish", headers=_headers(WALKS))
    _ok(published, 409)
    print(f"  action plan {plan['id']} published")  # noqa: T201
    return str(plan["id"])


async def wait_for_deliveries(notify: httpx.AsyncClient, plan_id: str) -> dict[str, Any]:
    async def settled() -> dict[str, Any] | None:
        counts = _ok(
            await notify.get(
                "/notifications/counts", params={"plan_id": plan_id}, headers=_headers(STAFF)
            )
        )
        pending = sum(counts["by_status"].get(s, 0) for s in ("created", "sending"))
        return counts if counts["total"] and not pending else None

    return await _wait_for(settled, "delivery of the plan's notifications")


async def run(args: argparse.Namespace) -> None:
    auth = ("trygg-dev", "trygg-dev-only")
    async with (
        httpx.AsyncClient(base_url=args.walks_url, timeout=30) as walks,
        httpx.AsyncClient(base_url=args.tips_url, timeout=30) as tips,
        httpx.AsyncClient(base_url=args.patrols_url, timeout=60) as patrols,
        httpx.AsyncClient(base_url=args.notify_url, timeout=30) as notify,
        httpx.AsyncClient(base_url=args.sms_url, auth=auth, timeout=10) as sms,
    ):
        print("Loading the Forsheda demo:")  # noqa: T201
        key = {"Idempotency-Key": "demo-stakeholder"}
        created = await notify.post(
            "/stakeholders", json=STAKEHOLDER, headers=_headers(STAFF) | key
        )
        _ok(created, 409)
        print("  stakeholder dept:0683:GATA registered")  # noqa: T201
        await subscribe_residents(notify, Sinks(args.mail_dir, sms))
        promise_id = await sign_promise(patrols)
        plan_id = await walk_and_plan(walks)
        counts = await wait_for_deliveries(notify, plan_id)
        form = await load_tips(tips)
        planned_round = await load_patrols(patrols)
        promise_page = await follow_up(patrols, promise_id)
    print(f"The plan's notifications: {counts['by_channel']}")  # noqa: T201
    print(f"  emails:  {args.mail_dir / 'index.html'}")  # noqa: T201
    print(f"  SMS:     {args.sms_url}/")  # noqa: T201
    print(f"  CAP:     {args.notify_url}/cap/{MUNICIPALITY}/alerts.atom")  # noqa: T201
    print(f"  log:     {args.notify_url}/notifications?plan_id={plan_id} (make token)")  # noqa: T201
    print(f"The tip form residents use: {form}")  # noqa: T201
    print(f"A planned round (patrols:plan): {planned_round}")  # noqa: T201
    print(f"The citizens' promise, in public: {promise_page}")  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser(description="Load the Forsheda demo into the running stack.")
    parser.add_argument("--walks-url", default="http://127.0.0.1:8001")
    parser.add_argument("--tips-url", default="http://127.0.0.1:8002")
    parser.add_argument("--patrols-url", default="http://127.0.0.1:8003")
    parser.add_argument("--notify-url", default="http://127.0.0.1:8004")
    parser.add_argument("--sms-url", default="http://127.0.0.1:8025")
    parser.add_argument("--mail-dir", default=".state/dev/mail", help="the mail sink's --dir")
    args = parser.parse_args()
    args.mail_dir = Path(args.mail_dir).resolve()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
