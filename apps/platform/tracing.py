"""Traces across the services: a span for each record sent and handled, joined by the
W3C Trace Context in the record's headers, exported over OTLP; off unless an endpoint is set.

Configured the standard way, by OpenTelemetry's own variables (docs/tracing.md): on when
`OTEL_EXPORTER_OTLP_ENDPOINT` (or its traces variant) is set and `OTEL_SDK_DISABLED` is
not true; sampled by `OTEL_TRACES_SAMPLER`, else parent-based at the ratio
`OTEL_TRACES_SAMPLER_ARG` (1.0), so an order sampled where it starts is sampled in every
service. Off, each function here is one test of a flag: a laptop pays nothing.

The spans follow OpenTelemetry's messaging conventions: `send <topic>` (producer) around
each record sent, its context injected into the record's headers; `process <topic>`
(consumer) around each record handled, its parent the span that sent it. A record whose
`traceparent` is missing or malformed starts a trace of its own, never a refusal.

An order keeps the context it was placed in (`traceparent` on the order and the payment,
see `stamped`), so what comes later from elsewhere (a cancellation, a refund, a timer's
nudge or timeout) continues the order's trace, linked to the request that caused it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import (
    SERVICE_INSTANCE_ID,
    SERVICE_NAME,
    SERVICE_NAMESPACE,
    SERVICE_VERSION,
    Resource,
)
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ParentBased, Sampler, TraceIdRatioBased
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from apps.platform import event_context
from apps.platform.record_schema import header_value
from apps.platform.redaction import redact
from apps.platform.settings import VERSION
from models.base import Model

logger = logging.getLogger(__name__)

#: The OTEL_* variables a worker reads (with the SDK and its exporter): the table in
#: docs/operations.md lists them, and the compose files set no other.
VARIABLES = frozenset(
    {
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_TRACES_SAMPLER",
        "OTEL_TRACES_SAMPLER_ARG",
        "OTEL_SDK_DISABLED",
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_BSP_SCHEDULE_DELAY",
    }
)
#: W3C Trace Context only: `traceparent` and `tracestate`, nothing else rides along.
PROPAGATOR = TraceContextTextMapPropagator()
#: A proxy until `start` sets the provider: off, it makes spans that record nothing.
TRACER = trace.get_tracer("oms", VERSION)
#: Attributes every messaging span has.
KAFKA = {"messaging.system": "kafka"}

M = TypeVar("M", bound=Model)


class _State:
    on = False
    #: Whether the sampler follows the parent's decision (the default, and any
    #: `parentbased_*`): then what an unsampled trace does makes no span at all.
    follows_parent = True


def on() -> bool:
    """Whether this process traces (see `start`)."""
    return _State.on


def wanted(environ: Mapping[str, str]) -> bool:
    """Whether the OTEL_* variables ask for traces: an endpoint, and the SDK not disabled."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def sampler_from(environ: Mapping[str, str]) -> Sampler | None:
    """Parent-based at OTEL_TRACES_SAMPLER_ARG (1.0) unless OTEL_TRACES_SAMPLER names one
    (None: the SDK reads it)."""
    if environ.get("OTEL_TRACES_SAMPLER"):
        return None
    given = environ.get("OTEL_TRACES_SAMPLER_ARG", "1.0")
    try:
        ratio = float(given)
    except ValueError:
        ratio = -1.0
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, not {given!r}")
    return ParentBased(TraceIdRatioBased(ratio))


def resource_of(service: str, worker: str, environ: Mapping[str, str]) -> Resource:
    """The service, its version and the worker (OTEL_SERVICE_NAME names the service
    instead; OTEL_RESOURCE_ATTRIBUTES adds to them)."""
    return Resource.create(
        {
            SERVICE_NAME: environ.get("OTEL_SERVICE_NAME") or service,
            SERVICE_NAMESPACE: "oms",
            SERVICE_VERSION: VERSION,
            SERVICE_INSTANCE_ID: worker,
        }
    )


def start(
    service: str, worker: str, text_logs: bool, environ: Mapping[str, str] = os.environ
) -> bool:
    """Trace this process as `worker` of `service` if the environment asks; whether it does.

    Its log lines name the span they were written in (`install_log_fields`)."""
    if _State.on or not wanted(environ):
        return _State.on
    # Imported here: a process that does not trace does not load the exporter.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.aiohttp_server import AioHttpServerInstrumentor
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    sampler = sampler_from(environ)
    named = environ.get("OTEL_TRACES_SAMPLER", "")
    _State.follows_parent = sampler is not None or named.startswith("parentbased_")
    provider = TracerProvider(resource=resource_of(service, worker, environ), sampler=sampler)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    # A read routed to the worker that owns the key carries the context (web/kit/base.py).
    AioHttpClientInstrumentor().instrument(tracer_provider=provider)
    # Readies the server middleware web/kit/tracing.py put in front of the worker's routes
    # (it also traces any aiohttp app made from now on: a worker makes none).
    AioHttpServerInstrumentor().instrument(tracer_provider=provider)
    install_log_fields(text_logs)
    _State.on = True
    logger.info("tracing on: %s, exported over OTLP/HTTP", service)
    return True


# Records: headers in and out.


def carrier_of(headers: Any) -> dict[str, str]:
    """The Trace Context among a record's headers (a mapping or pairs), as text."""
    return {
        name: value.decode("latin-1")
        for name in ("traceparent", "tracestate")
        if (value := header_value(headers, name))
    }


def record_attributes(value: Any) -> dict[str, Any]:
    """The order a record is about and its type (see `event_context`); none if undecoded."""
    if value is None:
        return {}
    attributes: dict[str, Any] = {"oms.record.type": event_context.event_type_of(value)}
    if (order_id := event_context.order_id_in(value)) is not None:
        attributes["oms.order_id"] = order_id
    return attributes


@contextmanager
def sending(topic: str, value: Any, headers: dict[str, Any] | None = None) -> Iterator[Any]:
    """A producer span around sending `value` to `topic`; yields the headers to send with
    (`headers` and the span's context), or `headers` as they are when off."""
    if not _State.on:
        yield headers
        return
    if unsampled(trace.get_current_span().get_span_context()):
        yield {**(headers or {}), **_context_headers()}
        return
    attributes = {
        **KAFKA,
        "messaging.operation.type": "send",
        "messaging.operation.name": "send",
        "messaging.destination.name": topic,
        **record_attributes(value),
    }
    with TRACER.start_as_current_span(
        f"send {topic}", kind=SpanKind.PRODUCER, attributes=attributes
    ):
        yield {**(headers or {}), **_context_headers()}


def _injected() -> dict[str, str]:
    """The current context as Trace Context headers (none outside a span)."""
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier)
    return carrier


def _context_headers() -> dict[str, bytes]:
    return {name: text.encode() for name, text in _injected().items()}


def unsampled(parent: trace.SpanContext) -> bool:
    """Whether what follows from `parent` is not sampled, whatever it does: its decision
    says so, and the sampler follows it. Then no span is made, and the context goes on."""
    return _State.follows_parent and parent.is_valid and not parent.trace_flags.sampled


@contextmanager
def _within(context: Context) -> Iterator[None]:
    """Within the block, `context` is current (no span of its own)."""
    token = otel_context.attach(context)
    try:
        yield
    finally:
        otel_context.detach(token)


@contextmanager
def processing(message: Any, value: Any, group: str) -> Iterator[None]:
    """A consumer span around handling `message` (its `value` decoded, if it was), child
    of the span that sent it (if its headers say which)."""
    if not _State.on:
        yield
        return
    sent = PROPAGATOR.extract(carrier_of(message.headers))
    if unsampled(trace.get_current_span(sent).get_span_context()):
        with _within(sent):
            yield
        return
    attributes = {
        **KAFKA,
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": message.topic,
        "messaging.destination.partition.id": str(message.partition),
        "messaging.kafka.offset": message.offset,
        "messaging.consumer.group.name": group,
        **record_attributes(value),
    }
    with TRACER.start_as_current_span(
        f"process {message.topic}",
        context=sent,
        kind=SpanKind.CONSUMER,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ):
        yield


# What a handler does, where it happens.


def current_traceparent() -> str | None:
    """The current span's context as a `traceparent` value, if there is one (also what a
    traced answer's `traceresponse` says: the same four fields)."""
    return _injected().get("traceparent")


def context_of(traceparent: str | None) -> Context | None:
    """The context a stored `traceparent` stands for, if it is one."""
    if not traceparent:
        return None
    context = PROPAGATOR.extract({"traceparent": traceparent})
    valid = trace.get_current_span(context).get_span_context().is_valid
    return context if valid else None


def stamped(value: M | None) -> M | None:
    """`value` with the current context as its `traceparent`, if it keeps one and has none:
    the trace of the order it stands for."""
    if not _State.on or value is None or "traceparent" not in type(value).model_fields:
        return value
    if getattr(value, "traceparent", None) is not None:
        return value
    return value.model_copy(update={"traceparent": current_traceparent()})


@contextmanager
def continuing(kept: Model | None, what: str) -> Iterator[None]:
    """Within the block, the trace `kept` (an order, a payment) was made in goes on: a span
    `what`, child of its context and linked to the span current here, if that is of
    another trace (a request about an order, a timer). Otherwise nothing changes."""
    if not _State.on:
        yield
        return
    context = context_of(getattr(kept, "traceparent", None))
    here = trace.get_current_span().get_span_context()
    made_in = None if context is None else trace.get_current_span(context).get_span_context()
    if made_in is None or made_in.trace_id == here.trace_id:
        yield
        return
    if unsampled(made_in):
        with _within(context):
            yield
        return
    links = [Link(here)] if here.is_valid else []
    with TRACER.start_as_current_span(what, context=context, links=links):
        yield


@contextmanager
def span(name: str, kind: SpanKind = SpanKind.INTERNAL, **attributes: Any) -> Iterator[Span]:
    """A span `name` around the block (the gateway's round trip, say), when on."""
    if not _State.on:
        yield trace.INVALID_SPAN
        return
    with TRACER.start_as_current_span(name, kind=kind, attributes=attributes) as current:
        yield current


def note(name: str, **attributes: Any) -> None:
    """An event `name` on the current span (a table write, a reply, a nudge), when on."""
    if _State.on:
        trace.get_current_span().add_event(name, attributes)


def decided(outcome: str, **attributes: Any) -> None:
    """The decision's outcome on the current span, when on."""
    if _State.on:
        current = trace.get_current_span()
        current.set_attribute("oms.outcome", outcome)
        current.set_attributes(attributes)


def failed(error: BaseException) -> None:
    """The current span failed: an exception event with the reason (tokens masked)."""
    if not _State.on:
        return
    current = trace.get_current_span()
    reason = redact(str(error))
    attributes = {"exception.type": type(error).__name__, "exception.message": reason}
    current.add_event("exception", attributes)
    current.set_status(Status(StatusCode.ERROR, reason))


# Logs.


def install_log_fields(text: bool) -> None:
    """Each log record made inside a span carries `trace_id` and `span_id` (hex): fields
    of a JSON line (see `json_logs`), or, in `text`, `[trace <id> span <id>]` at its end."""
    make = logging.getLogRecordFactory()

    def with_trace(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            record.trace_id = format(context.trace_id, "032x")
            record.span_id = format(context.span_id, "016x")
            if text:
                message = record.getMessage()
                record.msg = f"{message} [trace {record.trace_id} span {record.span_id}]"
                record.args = ()
        return record

    logging.setLogRecordFactory(with_trace)


def log_fields(record: logging.LogRecord) -> dict[str, str]:
    """The trace fields of `record`, if it was made inside a span."""
    trace_id = getattr(record, "trace_id", None)
    if trace_id is None:
        return {}
    return {"trace_id": trace_id, "span_id": getattr(record, "span_id", "")}
