"""Tracing: one OpenTelemetry TracerProvider per process, and the W3C trace context carried from
a request through the outbox and Kafka to the work an event causes in another service.

The context travels as a `traceparent`: the outbox row and the CloudEvent keep the one the event
was created in; the Kafka header carries the relay's publish span, which the consumer's span is
a child of. Spans are exported over OTLP/HTTP only where an endpoint is configured (the standard
`OTEL_EXPORTER_OTLP_ENDPOINT`, or the service's `TRACING__OTLP_ENDPOINT`). Without one no span is
recorded, but trace ids are still made and passed on, so a service that does export continues
the trace of one that does not.
"""

import asyncio
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

from shared.settings import TracingSettings

# The standard variables, the signal's own first; OTLPSpanExporter reads them itself.
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# Probes and scrapes would drown the traces that matter.
UNTRACED_PATHS = "/livez,/readyz,/metrics"
TRACEPARENT = "traceparent"

_propagator = TraceContextTextMapPropagator()
_tracer = trace.get_tracer(__name__)


class _Exports(SpanProcessor):
    """Where the process's finished spans go: nowhere until an exporter is added. While there
    is none, the sampler records nothing, so tracing costs next to nothing."""

    def __init__(self) -> None:
        self.processors: list[SpanProcessor] = []

    def on_end(self, span: ReadableSpan) -> None:
        for processor in self.processors:
            processor.on_end(span)

    def shutdown(self) -> None:
        for processor in self.processors:
            processor.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return all(p.force_flush(timeout_millis) for p in self.processors)


class _RecordWhenExported(Sampler):
    """Records every span while spans are exported, except a client span that has no parent:
    the relay's polls and the dispatcher's claims would each be a trace of one query."""

    def __init__(self, exports: _Exports) -> None:
        self._exports = exports

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        orphan_client = kind is SpanKind.CLIENT and not parent.is_valid
        if not self._exports.processors or orphan_client:
            return SamplingResult(Decision.DROP, None, parent.trace_state)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes, parent.trace_state)

    def get_description(self) -> str:
        return "RecordWhenExported"


_exports = _Exports()
_provider: TracerProvider | None = None


def configure_tracing(service: str, role: str, settings: TracingSettings) -> TracerProvider:
    """The process's TracerProvider, named `trygg-<service>-<role>`, installed by the first
    call (one process is one service's API or worker; later calls find it in place)."""
    global _provider
    if _provider is None:
        resource = Resource.create({SERVICE_NAME: f"trygg-{service}-{role}"})
        _provider = TracerProvider(resource=resource, sampler=_RecordWhenExported(_exports))
        _provider.add_span_processor(_exports)
        trace.set_tracer_provider(_provider)
        if (exporter := otlp_exporter(settings)) is not None:
            _exports.processors.append(BatchSpanProcessor(exporter))
            _instrument_clients()
    return _provider


def otlp_exporter(
    settings: TracingSettings, environ: Mapping[str, str] = os.environ
) -> SpanExporter | None:
    """The OTLP/HTTP exporter of the configured endpoint; None when there is none."""
    if settings.otlp_endpoint:
        return OTLPSpanExporter(endpoint=f"{settings.otlp_endpoint.rstrip('/')}/v1/traces")
    if any(environ.get(variable) for variable in ENDPOINT_VARIABLES):
        return OTLPSpanExporter()
    return None


def exporting() -> bool:
    return bool(_exports.processors)


@contextmanager
def exporting_to(processor: SpanProcessor) -> Iterator[None]:
    """Send spans to `processor` as well, for as long as the block runs (tests read spans so)."""
    _instrument_clients()
    _exports.processors.append(processor)
    try:
        yield
    finally:
        _exports.processors.remove(processor)


def instrument_app(app: FastAPI, service: str, settings: TracingSettings) -> None:
    """A server span per request, the caller's `traceparent` its parent."""
    configure_tracing(service, "api", settings)
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls=UNTRACED_PATHS, exclude_spans=["receive", "send"]
    )


def _instrument_clients() -> None:
    """Spans for every database query and outgoing HTTP request (the SMS gateway, webhooks,
    other services, which get the `traceparent` header). Only where spans are exported: each
    wrapped call costs a little, even unrecorded."""
    for instrumentor in (AsyncPGInstrumentor(), HTTPXClientInstrumentor()):  # type: ignore[no-untyped-call]
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()


def current_traceparent() -> str | None:
    """The W3C traceparent of the span now current; None outside any trace."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get(TRACEPARENT)


def context_of(traceparent: str | None) -> Context:
    """The context a traceparent names; an empty one (a new trace) for None or a bad value."""
    return _propagator.extract({TRACEPARENT: traceparent} if traceparent else {})


def start_publish(
    topic: str, traceparent: str | None, event_id: str
) -> tuple[Span | None, str | None]:
    """A producer span, child of the context the event was created in, and its own
    traceparent for the record's header. Ended by `end_on_ack`. While nothing is exported,
    no span: the relay sends thousands of records a second, and the event's own context
    serves the consumer as well."""
    if not exporting():
        return None, traceparent
    span = _tracer.start_span(
        f"send {topic}",
        context=context_of(traceparent),
        kind=SpanKind.PRODUCER,
        attributes=_messaging(topic, "send", event_id),
    )
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(span))
    return span, carrier.get(TRACEPARENT)


def end_on_ack(span: Span | None, ack: "asyncio.Future[object]") -> None:
    """End the publish span when the broker acknowledges the record, or gives up on it."""
    if span is None:
        return

    def done(future: "asyncio.Future[object]") -> None:
        if future.cancelled() or future.exception() is not None:
            span.set_status(Status(StatusCode.ERROR, "not acknowledged"))
        span.end()

    ack.add_done_callback(done)


@contextmanager
def consuming(
    topic: str, headers: Sequence[tuple[str, bytes]], traceparent: str | None, event_id: str
) -> Iterator[None]:
    """The span a handler runs in: a child of the record's `traceparent` header (the publish
    span), else of the event's own; a new trace when it has neither. While nothing is
    exported, no span: the record's context is made current, so what the handler emits
    carries the trace on."""
    sent = dict(headers).get(TRACEPARENT)
    parent = context_of(sent.decode("ascii", "replace") if sent else traceparent)
    if not exporting():
        token = otel_context.attach(parent)
        try:
            yield
        finally:
            otel_context.detach(token)
        return
    with _tracer.start_as_current_span(
        f"process {topic}",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes=_messaging(topic, "process", event_id),
    ):
        yield


@contextmanager
def delivering(traceparent: str | None, channel: str, notification_id: str) -> Iterator[Span]:
    """The span of one notification's delivery, a child of the trace that created it."""
    with _tracer.start_as_current_span(
        f"deliver {channel}",
        context=context_of(traceparent),
        attributes={"trygg.channel": channel, "trygg.notification.id": notification_id},
    ) as span:
        yield span


def _messaging(topic: str, operation: str, event_id: str) -> dict[str, str]:
    """Attributes of OpenTelemetry's messaging semantic conventions."""
    return {
        "messaging.system": "kafka",
        "messaging.destination.name": topic,
        "messaging.operation.type": operation,
        "messaging.message.id": event_id,
    }
