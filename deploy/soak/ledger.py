"""What the residents, tipsters and the webhook receiver were told, read at the sinks, set
against what the driver expects.

Every message the driver causes carries a token naming its run, its kind and its number
(`sk003r00012`: run 3, a revision, the 12th event): in a plan's title, a revision's note, a
withdrawal's reason, a message's text, a tipster's address. A delivery is matched to the
event by the token in it; where a revision's email also carries its plan's title, the more
specific kind wins.

A delivery is identified as the receiver would: an email by its Message-ID, a webhook by its
`webhook-id`; an SMS has no such id, so each SMS the gateway took counts on its own. The same
id received twice is a resend the receiver drops by design (at least once, with stable ids);
two ids for one event, or an SMS twice, is a duplicate.
"""

import email
import email.policy
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

TOKEN = re.compile(r"sk(\d{3})([prwmt])(\d{5})")
# Of several tokens in one delivery, the event's own: a revision's email names its plan too,
# and a withdrawal's webhook carries the plan's state, its last revision's note included.
SPECIFIC_FIRST = "twrmp"
WEBHOOK = "webhook"


def token(run: int, kind: str, number: int) -> str:
    return f"sk{run:03d}{kind}{number:05d}"


def event_of(text: str) -> str | None:
    found = {m[0]: m[2] for m in TOKEN.finditer(text)}
    for kind in SPECIFIC_FIRST:
        for whole, k in found.items():
            if k == kind:
                return whole
    return None


def run_of(event: str) -> int:
    return int(event[2:5])


@dataclass(frozen=True)
class Delivery:
    recipient: str
    event: str | None  # None: no token (a subscription's confirmation, or something stray)
    delivery_id: str | None  # None: the channel has no stable id (SMS)


class WebhookReceiver:
    """The soak's own webhook endpoint: keeps every request it is given."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.app = Starlette(routes=[Route("/hook", self._take, methods=["POST"])])

    async def _take(self, request: Request) -> Response:
        body = (await request.body()).decode()
        self.deliveries.append(Delivery(WEBHOOK, event_of(body), request.headers["webhook-id"]))
        return Response(status_code=204)


@dataclass
class MailSink:
    """The mail sink's folder: index.jsonl names each stored .eml file."""

    folder: Path
    _seen: dict[str, list[Delivery]] = field(default_factory=dict)

    def deliveries(self) -> list[Delivery]:
        index = self.folder / "index.jsonl"
        if not index.exists():
            return []
        for line in index.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry["file"] not in self._seen:
                self._seen[entry["file"]] = self._read(entry)
        return [d for found in self._seen.values() for d in found]

    def _read(self, entry: dict[str, str]) -> list[Delivery]:
        message = email.message_from_bytes(
            (self.folder / entry["file"]).read_bytes(), policy=email.policy.default
        )
        body = message.get_body(("plain",))
        text = f"{message['Subject']}\n{'' if body is None else body.get_content()}"
        event = event_of(text) or event_of(" ".join(entry["to"]))
        return [Delivery(to, event, entry["message_id"]) for to in entry["to"]]

    def text_to(self, address: str) -> list[str]:
        """The plain text of every email to `address` (for confirmation links)."""
        index = self.folder / "index.jsonl"
        texts: list[str] = []
        if not index.exists():
            return texts
        for line in index.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if address in entry["to"]:
                message = email.message_from_bytes(
                    (self.folder / entry["file"]).read_bytes(), policy=email.policy.default
                )
                body = message.get_body(("plain",))
                texts.append("" if body is None else str(body.get_content()))
        return texts


async def sms_messages(client: httpx.AsyncClient) -> list[dict[str, str]]:
    """Every SMS the stub took, page by page as 46elks gives its history."""
    messages: list[dict[str, str]] = []
    params: dict[str, str] = {}
    while True:
        response = await client.get("/a1/sms", params=params)
        response.raise_for_status()
        page = response.json()
        messages += page["data"]
        if "next" not in page:
            return messages
        params = {"start": page["next"]}


async def sms_deliveries(client: httpx.AsyncClient) -> list[Delivery]:
    return [Delivery(m["to"], event_of(m["message"]), None) for m in await sms_messages(client)]


@dataclass
class Tally:
    expected: int = 0
    received: int = 0
    lost: int = 0
    duplicated: int = 0
    resent: int = 0
    unexpected: int = 0
    lost_examples: list[str] = field(default_factory=list)
    duplicate_examples: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return not (self.lost or self.duplicated or self.unexpected)


def tally(run: int, expected: set[tuple[str, str]], deliveries: list[Delivery]) -> Tally:
    """Expected against received, for the events of one run."""
    ids: dict[tuple[str, str], list[str | None]] = defaultdict(list)
    for d in deliveries:
        if d.event is not None and run_of(d.event) == run:
            ids[(d.recipient, d.event)].append(d.delivery_id)
    result = Tally(expected=len(expected))
    for key, received in ids.items():
        distinct = len(set(received)) if None not in received else len(received)
        result.received += 1
        result.resent += len(received) - distinct
        result.duplicated += distinct - 1
        if distinct > 1:
            result.duplicate_examples.append(f"{key[0]} {key[1]} x{distinct}")
        if key not in expected:
            result.unexpected += 1
    missing = sorted(expected - set(ids))
    result.lost = len(missing)
    result.lost_examples = [f"{r} {e}" for r, e in missing]
    return result
