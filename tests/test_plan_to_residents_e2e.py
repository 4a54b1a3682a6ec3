"""From a published action plan to the residents and stakeholders it affects, across services.

walks (its real app and relay) and notify (its app, consumer and dispatcher) run against the
test stack's Kafka and PostgreSQL; a real SMTP server, the 46elks gateway stub and a webhook
receiver take what notify sends. Publishing a plan tells every confirmed resident inside its
area once, by their channel, the organisation named in a measure once, and the webhook once;
nobody outside, nobody unconfirmed; and the same event delivered again changes nothing.

Other tests write to trygg.walks.events too: this one reads with a consumer group of its own
whose offsets start at the topic's end, in a municipality and a place no other test uses.
"""

import json

import pytest
from standardwebhooks import Webhook

from plan_system import (
    System,
    databases,
    eventually,
    notifications_of,
    publish_plan,
    redeliver,
    residents,
    stakeholder_and_webhook,
    system,
)
from shared.testing import TestStack, wait_until

pytestmark = pytest.mark.kafka
__all__ = ["databases", "system"]  # fixtures


async def test_a_published_plan_reaches_each_affected_resident_and_stakeholder_once(
    system: System, stack: TestStack
) -> None:
    await residents(system)
    secret = await stakeholder_and_webhook(system)
    before = (len(system.inbox.messages), len(system.sms.messages))
    plan_id = await publish_plan(system)
    await eventually(
        lambda: (
            len(system.inbox.messages) == before[0] + 2
            and len(system.sms.messages) == before[1] + 1
            and len(system.receiver.requests) == 1
        ),
        "the plan's notifications",
    )
    published_type = "se.trygg.walks.action_plan.published.v1"
    confirmation, inside = system.emails_to("inne@example.se")
    assert confirmation["Subject"] == "Bekräfta din prenumeration på Trygg"
    assert inside["Subject"] == "Åtgärdsplan för Testbyn: Tryggare kvällar i Testbyn"
    assert inside["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [stakeholder] = system.emails_to("gata@kommun.example.se")
    assert "Er organisation ansvarar för" in stakeholder.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    _, sms = system.sms_to("+46701234567")
    assert sms.startswith("Åtgärdsplan för Testbyn")
    assert len(system.emails_to("borta@example.se")) == 1, "the confirmation only"
    assert len(system.emails_to("obekraftad@example.se")) == 1, "the confirmation only"
    [(headers, body)] = system.receiver.requests
    Webhook(secret).verify(body, headers)  # the specification's reference verifier
    event = json.loads(body)
    assert (event["type"], event["data"]["plan_id"]) == (published_type, plan_id)

    async def all_delivered() -> bool:
        rows = await notifications_of(system, published_type)
        return len(rows) == 4 and {r["status"] for r in rows} == {"delivered"}

    await wait_until(all_delivered, 30, "every notification of the plan to be delivered")

    await redeliver(stack, system, event["id"])
    assert len(await notifications_of(system, published_type)) == 4
    assert (len(system.inbox.messages), len(system.sms.messages)) == (before[0] + 2, before[1] + 1)
    assert len(system.receiver.requests) == 1
