"""The trace context through the real outbox, relay, broker and consumer."""

import json

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backbone import consumer_for, new_topic, produce_raw, relay_for, scalar, write_probes
from shared.testing import TestStack, probe_record, read_topic, running, wait_until
from tracekit import captured_spans, in_trace, orphans, parent_id, traceparent_of

pytestmark = [pytest.mark.kafka, pytest.mark.usefixtures("clean_tables")]


async def _handled(engine: AsyncEngine, aggregate: str) -> bool:
    sql = f"SELECT count(*) FROM probe_effect WHERE aggregate = '{aggregate}'"
    return await scalar(engine, sql) == 1


async def test_an_event_carries_its_trace_from_emit_through_the_relay_to_the_handler(
    stack: TestStack, db_url: str, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.trace.")
    consumer = await consumer_for(stack, engine, topic)
    with captured_spans() as exporter:
        with trace.get_tracer(__name__).start_as_current_span("request") as origin:
            await write_probes(engine, [("traced", 1)])
        async with running(relay_for(stack, db_url, topic).run), running(consumer.run):
            await wait_until(lambda: _handled(engine, "traced"), 60, "the event to be handled")

            async def both_ended() -> bool:
                kinds = {s.kind for s in exporter.get_finished_spans()}
                return {SpanKind.PRODUCER, SpanKind.CONSUMER} <= kinds

            await wait_until(both_ended, 30, "the publish and process spans to end")
    spans = in_trace(exporter.get_finished_spans(), origin.get_span_context().trace_id)
    [request] = [s for s in spans if s.name == "request"]
    [publish] = [s for s in spans if s.kind is SpanKind.PRODUCER]
    [process] = [s for s in spans if s.kind is SpanKind.CONSUMER]
    assert (publish.name, process.name) == (f"send {topic}", f"process {topic}")
    assert parent_id(publish) == request.get_span_context().span_id
    assert parent_id(process) == publish.get_span_context().span_id
    assert orphans(spans) == []
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT traceparent FROM outbox"))).scalar_one()
    assert stored == traceparent_of(request)
    [record] = await read_topic(stack.bootstrap, topic, 1)
    assert dict(record.headers)["traceparent"] == traceparent_of(publish).encode()
    assert json.loads(record.value)["traceparent"] == traceparent_of(request)


async def test_a_record_without_trace_context_is_handled_in_a_new_trace(
    stack: TestStack, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.untraced.")
    consumer = await consumer_for(stack, engine, topic)
    await produce_raw(stack, topic, [(b"k", probe_record("untraced", 1))])
    with captured_spans() as exporter:
        async with running(consumer.run):
            await wait_until(lambda: _handled(engine, "untraced"), 60, "the event to be handled")
    [process] = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.CONSUMER]
    assert process.parent is None
    assert process.get_span_context().is_valid
