"""Tracing's set-up and the trace context it hands on, without any I/O."""

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.trace import SpanKind

from shared.settings import TracingSettings
from shared.tracing import (
    ENDPOINT_VARIABLES,
    configure_tracing,
    consuming,
    context_of,
    current_traceparent,
    exporting,
    otlp_exporter,
    start_publish,
)
from tracekit import captured_spans, parent_id, traceparent_of

pytestmark = pytest.mark.unit
TOPIC = "trygg.probe.events"
SENDER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
CREATOR = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"


def test_without_an_endpoint_there_is_no_exporter() -> None:
    assert otlp_exporter(TracingSettings(), environ={}) is None


def test_the_standard_variable_or_the_setting_turns_export_on() -> None:
    for variable in ENDPOINT_VARIABLES:
        assert isinstance(
            otlp_exporter(TracingSettings(), {variable: "http://c:4318"}), OTLPSpanExporter
        )
    exporter = otlp_exporter(TracingSettings(otlp_endpoint="http://collector:4318/"), environ={})
    assert isinstance(exporter, OTLPSpanExporter)
    assert exporter._endpoint == "http://collector:4318/v1/traces"


def test_with_no_endpoint_nothing_is_recorded_but_the_trace_context_still_travels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ENDPOINT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    configure_tracing("probe", "worker", TracingSettings())
    assert not exporting()
    tracer = trace.get_tracer(__name__)
    with tracer.start_as_current_span("unrecorded", context=context_of(SENDER)) as span:
        assert not span.is_recording()
        handed_on = current_traceparent()
    assert handed_on is not None
    assert handed_on.split("-")[1] == SENDER.split("-")[1]
    assert handed_on != SENDER


def test_with_nothing_exported_the_relay_and_the_consumer_pass_the_context_on_as_it_is() -> None:
    configure_tracing("probe", "worker", TracingSettings())
    assert not exporting()
    assert start_publish(TOPIC, CREATOR, "e-0") == (None, CREATOR)
    with consuming(TOPIC, [("traceparent", SENDER.encode())], CREATOR, "e-0"):
        assert current_traceparent() == SENDER
    with consuming(TOPIC, [], None, "e-0"):
        assert current_traceparent() is None


def test_outside_any_span_there_is_no_traceparent() -> None:
    assert current_traceparent() is None


def test_a_consumer_span_is_a_child_of_the_publish_header_over_the_events_own_context() -> None:
    with (
        captured_spans() as exporter,
        consuming(TOPIC, [("traceparent", SENDER.encode())], CREATOR, "e-1"),
    ):
        pass
    [span] = exporter.get_finished_spans()
    assert span.kind is SpanKind.CONSUMER
    assert traceparent_of(span).split("-")[1] == SENDER.split("-")[1]
    assert parent_id(span) == int(SENDER.split("-")[2], 16)


def test_a_consumer_span_falls_back_to_the_events_context() -> None:
    with captured_spans() as exporter, consuming(TOPIC, [], CREATOR, "e-2"):
        pass
    [span] = exporter.get_finished_spans()
    assert parent_id(span) == int(CREATOR.split("-")[2], 16)


def test_a_record_without_trace_context_starts_a_new_trace() -> None:
    with captured_spans() as exporter, consuming(TOPIC, [("id", b"e-3")], None, "e-3"):
        inside = current_traceparent()
    [span] = exporter.get_finished_spans()
    assert span.parent is None
    assert span.get_span_context().is_valid
    assert inside == traceparent_of(span)


def test_a_query_outside_any_trace_is_not_recorded_but_one_inside_is() -> None:
    tracer = trace.get_tracer(__name__)
    with captured_spans() as exporter:
        with tracer.start_as_current_span("poll", kind=SpanKind.CLIENT) as orphan:
            assert not orphan.is_recording()
        with (
            tracer.start_as_current_span("request", kind=SpanKind.SERVER),
            tracer.start_as_current_span("query", kind=SpanKind.CLIENT) as child,
        ):
            assert child.is_recording()
    assert sorted(s.name for s in exporter.get_finished_spans()) == ["query", "request"]
