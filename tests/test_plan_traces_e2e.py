"""One published action plan is one trace: from walks' publish request through its outbox, the
relay and the Kafka record, notify's consumer, to each notification's delivery.

The rig of test_plan_to_residents_e2e runs walks' app and relay and notify's app, consumer and
dispatcher in this process, so the SDK's in-memory exporter sees every span they make.
"""

import json

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import text

from plan_system import (
    TOPIC,
    System,
    databases,
    notifications_of,
    publish_plan,
    residents,
    stakeholder_and_webhook,
    system,
)
from shared.testing import TestStack, find_event, wait_until
from tracekit import captured_spans, in_trace, orphans, parent_id, traceparent_of

pytestmark = pytest.mark.kafka
__all__ = ["databases", "system"]  # fixtures
PUBLISHED = "se.trygg.walks.action_plan.published.v1"
PUBLISH_ROUTE = "/action-plans/{plan_id}/publish"


def _publish_request(spans: tuple[ReadableSpan, ...]) -> ReadableSpan:
    [request] = [
        s
        for s in spans
        if s.kind is SpanKind.SERVER and (s.attributes or {}).get("http.route") == PUBLISH_ROUTE
    ]
    return request


async def _deliveries_ended(exporter: InMemorySpanExporter, system: System) -> bool:
    rows = await notifications_of(system, PUBLISHED)
    ended = [s for s in exporter.get_finished_spans() if s.name.startswith("deliver ")]
    return len(rows) == 4 and {r["status"] for r in rows} == {"delivered"} and len(ended) == 4


async def test_a_published_plan_is_one_trace_from_the_request_to_every_delivery(
    system: System, stack: TestStack
) -> None:
    await residents(system)
    await stakeholder_and_webhook(system)
    with captured_spans() as exporter:
        await publish_plan(system)
        await wait_until(
            lambda: _deliveries_ended(exporter, system), 60, "every notification delivered"
        )
    request = _publish_request(exporter.get_finished_spans())
    spans = in_trace(exporter.get_finished_spans(), request.get_span_context().trace_id)
    assert request.parent is None
    assert orphans(spans) == []
    [publish] = [s for s in spans if s.kind is SpanKind.PRODUCER]
    [process] = [s for s in spans if s.kind is SpanKind.CONSUMER]
    deliveries = [s for s in spans if s.name.startswith("deliver ")]
    assert (publish.name, process.name) == (f"send {TOPIC}", f"process {TOPIC}")
    assert parent_id(publish) == request.get_span_context().span_id
    assert parent_id(process) == publish.get_span_context().span_id
    assert {parent_id(d) for d in deliveries} == {process.get_span_context().span_id}
    assert sorted(s.name for s in deliveries) == [
        "deliver email",
        "deliver email",
        "deliver sms",
        "deliver webhook",
    ]
    assert {(s.attributes or {}).get("trygg.status") for s in deliveries} == {"delivered"}

    [(_, body)] = system.receiver.requests
    record = await find_event(stack.bootstrap, TOPIC, json.loads(body)["id"])
    assert dict(record.headers)["traceparent"] == traceparent_of(publish).encode()
    assert json.loads(record.value)["traceparent"] == traceparent_of(request)
    async with system.notify_engine.connect() as conn:
        kept = await conn.execute(
            text("SELECT DISTINCT traceparent FROM notification WHERE event_id = :e"),
            {"e": json.loads(body)["id"]},
        )
        assert kept.scalars().all() == [traceparent_of(process)]
