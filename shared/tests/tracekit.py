"""Spans finished while a block runs, read from the SDK's in-memory exporter."""

import contextlib
from collections.abc import Iterator

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import format_span_id, format_trace_id

from shared.settings import TracingSettings
from shared.tracing import configure_tracing, exporting_to


@contextlib.contextmanager
def captured_spans() -> Iterator[InMemorySpanExporter]:
    """Record and keep every span of this process while the block runs."""
    configure_tracing("test", "process", TracingSettings())
    exporter = InMemorySpanExporter()
    with exporting_to(SimpleSpanProcessor(exporter)):
        yield exporter


def traceparent_of(span: ReadableSpan) -> str:
    """The W3C traceparent a span hands on."""
    context = span.get_span_context()
    ids = f"{format_trace_id(context.trace_id)}-{format_span_id(context.span_id)}"
    return f"00-{ids}-{context.trace_flags:02x}"


def parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def in_trace(spans: tuple[ReadableSpan, ...], trace_id: int) -> list[ReadableSpan]:
    return [s for s in spans if s.get_span_context().trace_id == trace_id]


def orphans(spans: list[ReadableSpan]) -> list[str]:
    """Names of the spans whose parent is not among `spans` (the root's parent is None)."""
    ids = {s.get_span_context().span_id for s in spans}
    return [s.name for s in spans if s.parent is not None and s.parent.span_id not in ids]
