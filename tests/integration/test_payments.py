"""The payment service's part of the saga on a real broker, seen over Kafka and HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from models.events import OrderCancelRequested
from tests.processes import Broker, Worker, read_events
from tests.saga import (
    failure_reason,
    inventory_reserved,
    new_order_id,
    order_created,
    payment_events,
    publish_events,
    reserved_order,
    saga_event,
)

#: Short, so the timeout case takes seconds; the other cases settle well within it.
TIMEOUT_S = "3"


@pytest.fixture(scope="module")
def payment(start_worker: Callable[..., Worker], broker: Broker) -> Worker:
    worker = start_worker("payment", OMS_PAYMENT_TIMEOUT=TIMEOUT_S).wait_ready()
    # The first message on each fresh topic can take seconds; with a timeout this
    # short, one payment through the whole path first keeps the cases from racing it.
    payment_events(broker, reserved_order(broker, "tok_ok"), count=1)
    return worker


@pytest.mark.parametrize(
    ("token", "amount", "expected", "failure"),
    [
        ("tok_ok", "12.50", "PAYMENT.STATUS_UPDATE COMPLETED", None),
        (None, "12.50", "PAYMENT.STATUS_UPDATE COMPLETED", None),
        ("tok_flaky", "12.50", "PAYMENT.STATUS_UPDATE COMPLETED", None),
        ("tok_declined", "12.50", "PAYMENT.FAIL", "CARD_DECLINED"),
        ("tok_ok", "10000.01", "PAYMENT.FAIL", "LIMIT_EXCEEDED"),
    ],
)
def test_each_token_settles_the_payment_as_the_simulator_says(
    payment: Worker,
    broker: Broker,
    token: str | None,
    amount: str,
    expected: str,
    failure: str | None,
) -> None:
    order_id = reserved_order(broker, token, amount)

    events = payment_events(broker, order_id, count=1)

    # Settled at once: the saga is told the outcome, never PENDING (which would come first).
    assert events == [expected]
    if failure is not None:
        assert failure_reason(broker, order_id) == failure
    shown = payment.get(f"/payments/pay-{order_id}").body
    assert shown["status"] == ("FAILED" if failure else "COMPLETED")
    assert shown["amount"] == f"{float(amount):.2f}"


def test_a_payment_left_pending_fails_with_timeout(payment: Worker, broker: Broker) -> None:
    order_id = reserved_order(broker, "tok_pending")

    events = payment_events(broker, order_id, count=2)

    assert sorted(events) == ["PAYMENT.FAIL", "PAYMENT.STATUS_UPDATE PENDING"]
    assert failure_reason(broker, order_id) == "TIMEOUT"


def test_a_cancel_before_the_reservation_leaves_a_tombstone_and_charges_nothing(
    payment: Worker, broker: Broker
) -> None:
    order_id = new_order_id()
    publish_events(broker, order_created(order_id, "tok_ok"))
    publish_events(broker, saga_event(OrderCancelRequested, order_id))
    assert payment_events(broker, order_id, count=1) == ["PAYMENT.FAIL_CANCEL"]

    publish_events(broker, inventory_reserved(order_id))

    assert payment_events(broker, order_id, count=2) == ["PAYMENT.FAIL_CANCEL"] * 2
    assert payment.get(f"/payments/pay-{order_id}").body["status"] == "CANCELLED"
    assert charges(broker, order_id) == 0


def test_a_cancel_after_payment_refunds_it(payment: Worker, broker: Broker) -> None:
    order_id = reserved_order(broker, "tok_ok")
    payment_events(broker, order_id, count=1)

    publish_events(broker, saga_event(OrderCancelRequested, order_id))

    assert "PAYMENT.REFUNDED" in payment_events(broker, order_id, count=2)
    assert payment.get(f"/payments/pay-{order_id}").body["status"] == "REFUNDED"


def test_a_redelivered_reservation_charges_once(payment: Worker, broker: Broker) -> None:
    order_id = reserved_order(broker, "tok_ok")
    payment_events(broker, order_id, count=1)

    publish_events(broker, inventory_reserved(order_id))

    assert payment_events(broker, order_id, count=2).count("PAYMENT.STATUS_UPDATE COMPLETED") == 2
    assert charges(broker, order_id) == 1


def charges(broker: Broker, order_id: str) -> int:
    """How many charges the payment agent asked the gateway for, for this order."""
    requests = read_events(broker, ["payment.gateway-requests"])
    return sum(1 for r in requests if r["order_id"] == order_id and r["type"] == "Charge")


def test_the_processor_callback_completes_a_pending_payment(
    payment: Worker, broker: Broker
) -> None:
    order_id = reserved_order(broker, "tok_pending")
    payment_events(broker, order_id, count=1)

    response = payment.put("/payments/status", {"order_id": order_id, "status": "COMPLETED"})

    assert (response.status, response.body["status"]) == (200, "COMPLETED")
    assert "PAYMENT.STATUS_UPDATE COMPLETED" in payment_events(broker, order_id, count=2)


def test_an_operator_refund_answers_once_refunded_and_tells_the_saga(
    payment: Worker, broker: Broker
) -> None:
    order_id = reserved_order(broker, "tok_ok")
    payment_events(broker, order_id, count=1)

    response = payment.put(
        "/payments/status", {"payment_id": f"pay-{order_id}", "status": "REFUNDED"}
    )
    again = payment.put("/payments/status", {"order_id": order_id, "status": "REFUNDED"})

    assert (response.status, response.body["status"]) == (200, "REFUNDED")
    assert (again.status, again.body["status"]) == (200, "REFUNDED")  # a repeat, alike
    assert "PAYMENT.REFUNDED" in payment_events(broker, order_id, count=2)


def test_a_prepayment_is_run_through_the_gateway_and_only_once(payment: Worker) -> None:
    order_id = new_order_id()
    body = {"order_id": order_id, "amount": "30", "payment_token": "tok_ok"}

    created = payment.post("/payments", body)
    again = payment.post("/payments", body)
    declined = payment.post(
        "/payments", {"order_id": new_order_id(), "amount": 5, "payment_token": "tok_declined"}
    )

    assert created.status == 201 and created.headers["Location"] == f"/payments/pay-{order_id}"
    assert (created.body["status"], created.body["amount"]) == ("COMPLETED", "30.00")
    assert (again.status, again.body["code"]) == (409, "PAYMENT_EXISTS")
    assert (declined.status, declined.body["status"], declined.body["reason"]) == (
        201,
        "FAILED",
        "CARD_DECLINED",
    )


def test_payments_are_listed_and_filtered(payment: Worker, broker: Broker) -> None:
    order_id = reserved_order(broker, "tok_declined")
    payment_events(broker, order_id, count=1)

    failed = payment.get("/payments?status=FAILED&limit=1000").body
    mine = payment.get(f"/payments?order_id={order_id}").body

    assert all(item["status"] == "FAILED" for item in failed["items"])
    assert order_id in {item["order_id"] for item in failed["items"]}
    assert [item["id"] for item in mine["items"]] == [f"pay-{order_id}"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/payments/pay-nobody", None, 404),
        ("GET", "/payments/not-a-payment-id", None, 404),
        ("PUT", "/payments/status", {"order_id": "nobody", "status": "COMPLETED"}, 404),
        (
            "PUT",
            "/payments/status",
            {"order_id": "x", "payment_id": "pay-x", "status": "FAILED"},
            400,
        ),
        ("PUT", "/payments/status", {"order_id": "x", "status": "PENDING"}, 400),
        ("POST", "/payments", {"order_id": "x", "amount": 0}, 400),
        ("POST", "/payments", {"order_id": "x", "amount": "1.234"}, 400),
        ("GET", "/payments?status=AWAITING", None, 400),
    ],
)
def test_requests_that_cannot_be_met_answer_400_or_404(
    payment: Worker, method: str, path: str, body: dict[str, Any] | None, status: int
) -> None:
    response = {"GET": payment.get, "PUT": payment.put, "POST": payment.post}[method](path, body)

    assert response.status == status, response.body
