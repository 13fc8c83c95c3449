"""Tracing: configured by the OTEL_* variables, carried in the records' headers, continued
in the order's trace; spans kept in memory here (no exporter, no socket)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from apps.platform import tracing
from apps.platform.settings import VERSION
from tests.unit.test_record_versions import an_order

ENDPOINT = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@dataclass
class Message:
    topic: str = "order.events"
    partition: int = 2
    offset: int = 41
    headers: Any = field(default_factory=list)


@pytest.fixture(scope="module")
def exported() -> InMemorySpanExporter:
    """The process's tracer provider, set once: every span ends up in memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


@pytest.fixture
def spans(exported: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Tracing on for one test; the spans it ended."""
    monkeypatch.setattr(tracing._State, "on", True)
    exported.clear()
    return exported.get_finished_spans


def named(spans: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    return next(span for span in spans if span.name == name)


def test_tracing_is_off_without_an_otlp_endpoint() -> None:
    assert not tracing.wanted({})
    assert tracing.wanted(ENDPOINT)
    assert tracing.wanted({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"})


def test_tracing_is_off_when_the_sdk_is_disabled_even_with_an_endpoint() -> None:
    assert not tracing.wanted({**ENDPOINT, "OTEL_SDK_DISABLED": "true"})
    assert tracing.wanted({**ENDPOINT, "OTEL_SDK_DISABLED": "false"})


def test_the_default_sampler_follows_the_parent_else_samples_the_given_ratio() -> None:
    assert (
        tracing.sampler_from({})
        .get_description()
        .startswith(  # type: ignore[union-attr]
            "ParentBased{root:TraceIdRatioBased{1.0}"
        )
    )
    sampler = tracing.sampler_from({"OTEL_TRACES_SAMPLER_ARG": "0.1"})
    assert sampler.get_description().startswith("ParentBased{root:TraceIdRatioBased{0.1}")  # type: ignore[union-attr]


def test_a_sampler_named_by_otel_traces_sampler_is_left_to_the_sdk() -> None:
    assert tracing.sampler_from({"OTEL_TRACES_SAMPLER": "always_off"}) is None


@pytest.mark.parametrize("ratio", ["1.5", "-0.1", "half"])
def test_a_sampling_ratio_outside_zero_to_one_is_refused_naming_the_variable(ratio: str) -> None:
    with pytest.raises(ValueError, match="OTEL_TRACES_SAMPLER_ARG must be a ratio"):
        tracing.sampler_from({"OTEL_TRACES_SAMPLER_ARG": ratio})


def test_the_resource_names_the_service_its_version_and_the_worker() -> None:
    attributes = tracing.resource_of("order", "host:8070", {}).attributes

    assert attributes["service.name"] == "order"
    assert attributes["service.version"] == VERSION
    assert attributes["service.instance.id"] == "host:8070"


def test_otel_service_name_names_the_service_instead() -> None:
    resource = tracing.resource_of("order", "host:8070", {"OTEL_SERVICE_NAME": "orders-eu"})
    assert resource.attributes["service.name"] == "orders-eu"


def test_the_trace_context_is_read_from_headers_as_pairs_or_a_mapping() -> None:
    pairs = [("oms-schema", b"Order.v2"), ("traceparent", TRACEPARENT.encode())]

    assert tracing.carrier_of(pairs) == {"traceparent": TRACEPARENT}
    assert tracing.carrier_of(dict(pairs)) == {"traceparent": TRACEPARENT}
    assert tracing.carrier_of(None) == {}


def test_a_malformed_traceparent_stands_for_no_context() -> None:
    assert tracing.context_of("00-not-a-trace-01") is None
    assert tracing.context_of(None) is None
    assert tracing.context_of(TRACEPARENT) is not None


def test_off_a_send_keeps_its_headers_as_they_are_and_makes_no_span(
    exported: InMemorySpanExporter,
) -> None:
    exported.clear()
    with tracing.sending("order.events", an_order(), {"a": b"1"}) as headers:
        assert headers == {"a": b"1"}
    assert exported.get_finished_spans() == ()


def test_a_record_handled_is_a_child_of_the_span_that_sent_it(spans: Any) -> None:
    created = {"type": "ORDER.CREATED", "order_id": "o-1"}
    with tracing.sending("order.events", created) as headers:
        pass
    message = Message(headers=list(headers.items()))
    with tracing.processing(message, created, "inventory-service"):
        tracing.decided("RESERVED", **{"oms.sent": 1})

    sent, handled = named(spans(), "send order.events"), named(spans(), "process order.events")
    assert sent.kind == trace.SpanKind.PRODUCER and handled.kind == trace.SpanKind.CONSUMER
    assert handled.parent is not None and handled.parent.span_id == sent.context.span_id
    assert handled.context.trace_id == sent.context.trace_id
    assert handled.attributes is not None
    assert handled.attributes["messaging.destination.partition.id"] == "2"
    assert handled.attributes["messaging.kafka.offset"] == 41
    assert handled.attributes["oms.order_id"] == "o-1"
    assert handled.attributes["oms.record.type"] == "ORDER.CREATED"
    assert handled.attributes["oms.outcome"] == "RESERVED"


def test_a_record_with_a_malformed_traceparent_starts_a_trace_of_its_own(spans: Any) -> None:
    message = Message(headers=[("traceparent", b"00-zz-yy-01")])
    with tracing.processing(message, an_order(), "order-service"):
        pass

    assert named(spans(), "process order.events").parent is None


def test_a_new_order_keeps_the_trace_it_was_placed_in(spans: Any) -> None:
    with tracing.processing(Message(), an_order(), "order-service"):
        kept = tracing.stamped(an_order())
        assert tracing.stamped(kept) is kept, "an order keeps the trace it was placed in"
    handled = named(spans(), "process order.events")

    assert kept is not None and kept.traceparent is not None
    assert kept.traceparent.split("-")[1] == format(handled.context.trace_id, "032x")


def test_what_a_request_does_to_an_order_goes_on_in_the_orders_trace_linked_to_the_request(
    spans: Any,
) -> None:
    order = an_order().model_copy(update={"traceparent": TRACEPARENT})
    with (
        tracing.processing(Message(), order, "order-service"),
        tracing.continuing(order, "continue orders"),
        tracing.sending("order.events", order),
    ):
        pass
    request, continued = named(spans(), "process order.events"), named(spans(), "continue orders")
    sent = named(spans(), "send order.events")

    assert format(continued.context.trace_id, "032x") == TRACEPARENT.split("-")[1]
    assert [link.context.span_id for link in continued.links] == [request.context.span_id]
    assert sent.parent is not None and sent.parent.span_id == continued.context.span_id


def test_within_the_orders_own_trace_nothing_is_continued(spans: Any) -> None:
    with tracing.processing(Message(), an_order(), "order-service"):
        order = tracing.stamped(an_order())
        with tracing.continuing(order, "continue orders"):
            pass

    assert [span.name for span in spans()] == ["process order.events"]


def test_a_failure_is_an_exception_event_with_its_reason_tokens_masked(spans: Any) -> None:
    with tracing.processing(Message(), None, "order-service"):
        tracing.failed(ValueError("payment_token='tok_secret' is not valid"))
    (event,) = named(spans(), "process order.events").events

    assert event.name == "exception"
    assert event.attributes is not None and "tok_secret" not in str(event.attributes)


def test_a_log_record_made_in_a_span_names_its_trace_and_span(spans: Any) -> None:
    make = logging.getLogRecordFactory()
    try:
        tracing.install_log_fields(text=True)
        with tracing.span("work") as current:
            record = logging.getLogger("t").makeRecord(
                "t", logging.INFO, "f", 1, "hi %s", ("x",), None
            )
        outside = logging.getLogger("t").makeRecord("t", logging.INFO, "f", 1, "hi", (), None)
    finally:
        logging.setLogRecordFactory(make)
    context = current.get_span_context()
    trace_id, span_id = format(context.trace_id, "032x"), format(context.span_id, "016x")

    assert tracing.log_fields(record) == {"trace_id": trace_id, "span_id": span_id}
    assert record.getMessage() == f"hi x [trace {trace_id} span {span_id}]"
    assert tracing.log_fields(outside) == {}


def test_traceresponse_names_the_trace_and_the_span_that_answered() -> None:
    context = trace.SpanContext(
        0x0AF7651916CD43DD8448EB211C80319C, 0xB7AD6B7169203331, False, trace.TraceFlags(1)
    )
    with trace.use_span(trace.NonRecordingSpan(context)):
        assert tracing.current_traceparent() == TRACEPARENT


def test_a_record_of_a_trace_not_sampled_makes_no_span_and_passes_the_decision_on(
    spans: Any,
) -> None:
    unsampled = TRACEPARENT[:-2] + "00"
    with (
        tracing.processing(Message(headers=[("traceparent", unsampled.encode())]), None, "g"),
        tracing.sending("order.events", an_order()) as headers,
    ):
        pass

    assert spans() == ()
    assert headers["traceparent"] == unsampled.encode(), "the same trace, not sampled"
