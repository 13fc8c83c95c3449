"""One order, one trace: the three services export their spans over OTLP to a receiver
in the test (tests/otlp.py), started as `oms up` starts them, with OTEL_* variables only.

Each order's spans must form one trace from the request on, every consumer span a child
of the producer span that sent its record, and every compensation must continue the
order's trace; a malformed `traceparent` starts a trace of its own; no span carries a
secret; and each service's log lines name the trace.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import pytest

from apps.platform.settings import VERSION
from tests.e2e.conftest import System, running_system
from tests.otlp import Receiver, Span, receiving
from tests.processes import OPERATOR, poll, publish

SERVICES = {"order", "inventory", "payment"}


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with receiving() as listening:
        yield listening


@pytest.fixture(scope="module")
def traced(receiver: Receiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The system, tracing every order to `receiver`, logging JSON lines at debug."""
    otel = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # export within a tenth of a second
        "OMS_LOG_FORMAT": "json",
        "OMS_LOG_LEVEL": "debug",
    }
    with running_system(tmp_path_factory, **otel) as system:
        yield system


def caller_traceparent() -> tuple[str, str]:
    """A caller's own trace: its trace id and the `traceparent` it sends."""
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return trace_id, f"00-{trace_id}-{span_id}-01"


def trace_of(response: Any) -> str:
    """The trace id the answer's `traceresponse` names."""
    version, trace_id, span_id, flags = response.headers["traceresponse"].split("-")
    assert (version, len(trace_id), len(span_id)) == ("00", 32, 16)
    assert int(flags, 16) & 1, "sampled (the other bit says the trace id is random)"
    return str(trace_id)


def written(span: Span, status: str) -> bool:
    """Whether `span` wrote its table with `status`."""
    return any(name == "table write" and a.get("oms.status") == status for name, a in span.events)


def whole(spans: list[Span]) -> bool:
    """Whether every span's parent is among `spans` (the root's is the caller's, outside)."""
    ids = {span.span_id for span in spans}
    orphans = [span for span in spans if span.parent_id and span.parent_id not in ids]
    return len(orphans) == 1 and orphans[0].kind == "server"


def has(receiver: Receiver, trace_id: str, service: str, check: Callable[[Span], bool]) -> bool:
    return any(span.service == service and check(span) for span in receiver.trace(trace_id))


def wait_for(receiver: Receiver, trace_id: str, service: str, status: str) -> None:
    """Until a span of `service` in the trace wrote `status`."""
    poll(
        lambda: has(receiver, trace_id, service, lambda span: written(span, status)),
        f"{service} writing {status} in trace {trace_id}",
    )


def place(system: System, token: str, product: str, **headers: str) -> tuple[str, str]:
    """A new order of one `product`: its id, and the trace its answer names."""
    body = {
        "customer_id": "c1",
        "payment_token": token,
        "items": [{"product_id": product, "quantity": 1}],
    }
    response = system.order.post("/orders", body, headers=headers or None)
    assert response.status == 201, response.body
    return response.body["id"], trace_of(response)


def test_a_confirmed_order_is_one_trace_through_the_three_services(
    traced: System, receiver: Receiver
) -> None:
    trace_id, traceparent = caller_traceparent()
    order_id, answered = place(traced, "tok_ok", traced.product(), traceparent=traceparent)
    assert answered == trace_id, "the answer names the caller's trace"
    traced.settled(order_id)
    wait_for(receiver, trace_id, "inventory", "COMMITTED")
    wait_for(receiver, trace_id, "order", "CONFIRMED")
    # Each worker exports on its own beat: wait until every span's parent has come too.
    poll(lambda: whole(receiver.trace(trace_id)), f"the whole of trace {trace_id}")
    spans = receiver.trace(trace_id)
    by_id = {span.span_id: span for span in spans}

    assert {span.service for span in spans} == SERVICES
    consumers = [span for span in spans if span.kind == "consumer"]
    for span in consumers:
        sender = by_id.get(span.parent_id)
        assert sender is not None and sender.kind == "producer", span
        destination = span.attributes["messaging.destination.name"]
        assert sender.attributes["messaging.destination.name"] == destination, (sender, span)
        assert span.start_ns >= sender.start_ns, "a record is handled after it is sent"
        assert {"messaging.destination.partition.id", "messaging.kafka.offset"} <= set(
            span.attributes
        )
        assert span.attributes["messaging.system"] == "kafka"
    # The request, the command it sent, the order's handling of it: in that order.
    server = next(span for span in spans if span.kind == "server")
    assert server.service == "order" and server.parent_id == traceparent.split("-")[2]
    placing = next(s for s in consumers if s.attributes["oms.record.type"] == "PlaceOrder")
    assert by_id[placing.parent_id].parent_id == server.span_id
    assert placing.attributes["oms.order_id"] == order_id
    assert placing.attributes["oms.outcome"] == "PENDING"
    gateway = next(span for span in spans if span.name == "gateway Charge")
    assert (gateway.service, gateway.kind) == ("payment", "client")
    assert gateway.attributes["oms.gateway.outcome"] == "CAPTURED"
    for span in spans:
        assert span.resource["service.version"] == VERSION
        assert span.resource["service.instance.id"].endswith(
            tuple(f":{worker.port}" for worker in (traced.order, traced.inventory, traced.payment))
        )


def continued(receiver: Receiver, trace_id: str, name: str, cause: str) -> bool:
    """Whether the order's trace has a span `name` linked to a span of trace `cause`."""
    return any(
        span.name == name and any(link[0] == cause for link in span.links)
        for span in receiver.trace(trace_id)
    )


def test_each_compensation_continues_its_orders_trace(traced: System, receiver: Receiver) -> None:
    plenty, none = traced.product(stock=100), traced.product(stock=0)

    declined, declined_trace = place(traced, "tok_declined", plenty)
    out_of_stock, out_of_stock_trace = place(traced, "tok_ok", none)
    timed_out, timed_out_trace = place(traced, "tok_pending", plenty)
    cancelled, cancelled_trace = place(traced, "tok_pending", plenty)
    refunded, refunded_trace = place(traced, "tok_ok", plenty)

    wait_for(receiver, declined_trace, "inventory", "RELEASED")
    wait_for(receiver, declined_trace, "order", "FAILED")
    wait_for(receiver, out_of_stock_trace, "order", "FAILED")

    traced.wait_for(cancelled, "RESERVED")
    cancel = traced.order.delete(f"/orders/{cancelled}")
    assert cancel.status == 202, cancel.body
    cause = trace_of(cancel)
    assert cause != cancelled_trace, "a request of its own, in a trace of its own"
    poll(lambda: continued(receiver, cancelled_trace, "continue orders", cause), "cancel linked")
    wait_for(receiver, cancelled_trace, "order", "CANCELLED")

    traced.wait_for(refunded, "CONFIRMED")
    refund = traced.payment.put("/payments/status", {"order_id": refunded, "status": "REFUNDED"})
    assert refund.status == 200, refund.body
    cause = trace_of(refund)
    poll(lambda: continued(receiver, refunded_trace, "continue payments", cause), "refund linked")
    wait_for(receiver, refunded_trace, "order", "CANCELLED")

    traced.wait_for(timed_out, "FAILED")
    poll(
        lambda: has(receiver, timed_out_trace, "payment", lambda s: s.name == "time out payment"),
        "the timeout in the order's trace",
    )
    wait_for(receiver, timed_out_trace, "order", "FAILED")
    for order_id, trace_id in (
        (declined, declined_trace),
        (out_of_stock, out_of_stock_trace),
        (timed_out, timed_out_trace),
    ):
        about = {
            s.trace_id for s in receiver.spans() if s.attributes.get("oms.order_id") == order_id
        }
        assert about == {trace_id}, f"{order_id}: one trace"


def test_a_record_with_a_malformed_traceparent_is_handled_in_a_trace_of_its_own(
    traced: System, receiver: Receiver
) -> None:
    order_id = f"o-{uuid4().hex[:24]}"
    command = {
        "type": "PlaceOrder",
        "command_id": uuid4().hex,
        "order_id": order_id,
        "order": {
            "customer_id": "c1",
            "payment_token": "tok_ok",
            "items": [{"product_id": traced.product(), "quantity": 1}],
        },
        "fingerprint": "f",
        "issued_at": "2026-12-07T00:00:00Z",
        "requested_by": {"sub": "c1", "role": "customer"},
    }
    malformed = {"traceparent": "00-not-a-trace-01"}
    publish(traced.broker, "order.commands", [(order_id, command)], malformed)
    poll(lambda: traced.order.get(f"/orders/{order_id}").status == 200, order_id)
    assert traced.settled(order_id)["status"] == "CONFIRMED"

    def handled() -> list[Span]:
        return receiver.spans(
            lambda s: (
                s.kind == "consumer"
                and s.attributes.get("oms.order_id") == order_id
                and s.attributes.get("oms.record.type") == "PlaceOrder"
            )
        )

    poll(lambda: bool(handled()), "the command's consumer span")
    assert handled()[0].parent_id == "", "a trace of its own"


def test_no_span_of_a_saga_carries_a_secret_or_a_body(traced: System, receiver: Receiver) -> None:
    order_id, trace_id = place(traced, "tok_ok", traced.product())
    traced.settled(order_id)
    wait_for(receiver, trace_id, "inventory", "COMMITTED")
    secrets_and_bodies = (OPERATOR, "Bearer", "eyJ", "tok_", "payment_token", '"items"')
    for span in receiver.spans():  # every span of every test here, the failures too
        for text in span.texts():
            assert not any(secret in text for secret in secrets_and_bodies), (span.name, text)


def test_an_orders_trace_id_is_in_the_log_lines_of_all_three_services(
    traced: System, receiver: Receiver
) -> None:
    order_id, trace_id = place(traced, "tok_ok", traced.product())
    traced.settled(order_id)
    wait_for(receiver, trace_id, "inventory", "COMMITTED")

    def services_logging() -> set[str]:
        found = set()
        for worker in (traced.order, traced.inventory, traced.payment):
            for line in worker.log.read_text().splitlines():
                if trace_id in line and json.loads(line).get("trace_id") == trace_id:
                    found.add(worker.service)
        return found

    poll(lambda: services_logging() == SERVICES, f"log lines naming {trace_id}")


@pytest.mark.dead_letters(1)
def test_a_dead_lettered_record_is_an_error_in_its_trace_saying_why(
    traced: System, receiver: Receiver
) -> None:
    trace_id, traceparent = caller_traceparent()
    unreadable = {"type": "PlaceOrder", "order_id": f"o-{uuid4().hex[:24]}"}  # no order
    publish(
        traced.broker,
        "order.commands",
        [(unreadable["order_id"], unreadable)],
        {"traceparent": traceparent},
    )

    def failed() -> list[Span]:
        return [span for span in receiver.trace(trace_id) if span.error and span.kind == "consumer"]

    poll(lambda: bool(failed()), "the dead letter's span")
    [span] = failed()
    assert span.parent_id == traceparent.split("-")[2], "a child of the span that sent it"
    assert [name for name, _ in span.events] == ["exception"]
    assert "PlaceOrder" in span.events[0][1]["exception.message"]
    assert has(receiver, trace_id, "order", lambda s: s.name == "send order.dead-letters")
