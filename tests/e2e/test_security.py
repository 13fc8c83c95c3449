"""Customers, operators and the payment processor on the whole system, over REST only.

Two customers never see, list or cancel each other's orders and payments (another's
order is simply not found); a processor settles a pending payment but cannot refund it;
every change records who asked; and no log line of a whole saga holds a bearer token or
a payment token.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import System, running_system
from tests.processes import Response, http
from tests.tokens import token

ALICE, BOB = "c-alice", "c-bob"


def as_customer(
    system: System, customer: str, method: str, path: str, body: Any = None
) -> Response:
    """A request of `customer` to the order service, or to the payment service."""
    worker = system.payment if path.startswith("/payments") else system.order
    return http(method, worker.url + path, body, token=token("customer", customer))


def place_as(system: System, customer: str, product: str, payment_token: str = "tok_ok") -> str:
    body = {
        "customer_id": customer,
        "items": [{"product_id": product, "quantity": 1}],
        "payment_token": payment_token,
    }
    placed = as_customer(system, customer, "POST", "/orders", body)
    assert placed.status == 201, placed.body
    return str(placed.body["id"])


def test_a_customer_places_reads_lists_and_cancels_only_its_own_orders(system: System) -> None:
    product = system.product(stock=10)
    alices = place_as(system, ALICE, product)
    bobs = place_as(system, BOB, product)
    system.settled(alices)
    system.settled(bobs)

    own = as_customer(system, ALICE, "GET", f"/orders/{alices}")
    assert (own.status, own.body["customer_id"]) == (200, ALICE)
    for method in ("GET", "DELETE"):
        other = as_customer(system, ALICE, method, f"/orders/{bobs}")
        assert (other.status, other.body["code"]) == (404, "NOT_FOUND"), method
    listed = as_customer(system, ALICE, "GET", "/orders?limit=1000").body
    assert {order["customer_id"] for order in listed["items"]} == {ALICE}
    assert alices in {order["id"] for order in listed["items"]}
    assert as_customer(system, ALICE, "GET", f"/orders?customer_id={BOB}").status == 403
    placing_for_bob = {"customer_id": BOB, "items": [{"product_id": product, "quantity": 1}]}
    assert as_customer(system, ALICE, "POST", "/orders", placing_for_bob).status == 403

    cancelled = as_customer(system, ALICE, "DELETE", f"/orders/{alices}")
    assert cancelled.status == 202, cancelled.body
    assert system.settled(alices)["status"] == "CANCELLED"
    assert system.settled(bobs)["status"] == "CONFIRMED"


def test_a_customer_sees_only_its_own_payments(system: System) -> None:
    product = system.product(stock=10)
    alices, bobs = place_as(system, ALICE, product), place_as(system, BOB, product)
    system.settled(alices)
    system.settled(bobs)

    own = as_customer(system, ALICE, "GET", f"/payments/pay-{alices}")
    assert (own.status, own.body["customer_id"]) == (200, ALICE)
    assert as_customer(system, ALICE, "GET", f"/payments/pay-{bobs}").status == 404
    listed = as_customer(system, ALICE, "GET", "/payments?limit=1000").body
    assert {payment["customer_id"] for payment in listed["items"]} == {ALICE}
    prepay_bobs = {"order_id": bobs, "amount": "5.00"}
    assert as_customer(system, ALICE, "POST", "/payments", prepay_bobs).status == 404


def test_a_customer_gets_403_on_every_operator_route(system: System) -> None:
    product = system.product(stock=10)
    customer = token("customer", ALICE)
    line = {"product_id": product, "quantity": 1}
    hold = {"order_id": "h-1", "items": [line]}
    refund = {"order_id": "o-1", "status": "REFUNDED"}
    refused = [
        system.inventory.post("/products", {"name": "x", "price": "1.00"}, token=customer),
        system.inventory.put(f"/products/{product}", {"price": "0.01"}, token=customer),
        system.inventory.put("/inventory/add", line, token=customer),
        system.inventory.put("/inventory/remove", line, token=customer),
        system.inventory.post("/reservations", hold, token=customer),
        system.inventory.get("/reservations", token=customer),
        system.order.get("/tables", token=customer),
        system.payment.get("/dead-letters", token=customer),
        system.order.get("/ui/counts", token=customer),
        system.payment.put("/payments/status", refund, token=customer),
    ]
    assert [(answer.status, answer.body["code"]) for answer in refused] == [(403, "FORBIDDEN")] * 10


def test_a_processor_settles_a_pending_payment_but_cannot_refund_it(system: System) -> None:
    product = system.product(stock=10)
    order_id = place_as(system, ALICE, product, payment_token="tok_pending")
    system.wait_for(order_id, "RESERVED")
    processor = token("processor", "psp-1")
    system.poll(
        lambda: system.payment_of(order_id).body.get("status") == "PENDING",
        f"the payment of {order_id} PENDING",
    )

    settled = system.payment.put(
        "/payments/status", {"order_id": order_id, "status": "COMPLETED"}, token=processor
    )
    refund = system.payment.put(
        "/payments/status", {"order_id": order_id, "status": "REFUNDED"}, token=processor
    )

    assert (settled.status, settled.body["status"]) == (200, "COMPLETED")
    assert (refund.status, refund.body["code"]) == (403, "FORBIDDEN")
    order = system.settled(order_id)
    assert order["status"] == "CONFIRMED"
    assert order["history"][-1]["by"] == {"sub": "psp-1", "role": "processor"}


def test_an_operator_refund_records_who_asked_in_the_orders_history(system: System) -> None:
    product = system.product(stock=10)
    order_id = place_as(system, ALICE, product)
    assert system.settled(order_id)["status"] == "CONFIRMED"
    system.committed(order_id)

    refund = system.payment.put(
        "/payments/status",
        {"payment_id": f"pay-{order_id}", "status": "REFUNDED"},
        token=token("operator", "op-ann"),
    )

    assert (refund.status, refund.body["status"]) == (200, "REFUNDED")
    order = system.wait_for(order_id, "CANCELLED")
    by = {change["status"]: change["by"] for change in order["history"]}
    assert by["PENDING"] == {"sub": ALICE, "role": "customer"}
    assert by["CANCELLING"] == {"sub": "op-ann", "role": "operator"}


@pytest.fixture(scope="module")
def debug_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """A system of its own that logs everything it does (debug)."""
    with running_system(tmp_path_factory, OMS_LOG_LEVEL="debug") as logging_everything:
        yield logging_everything


def test_no_log_line_of_a_whole_saga_holds_a_bearer_token_or_a_payment_token(
    debug_system: System,
) -> None:
    system = debug_system
    product = system.product(stock=10)
    order_id = place_as(system, ALICE, product)
    assert system.settled(order_id)["status"] == "CONFIRMED"
    system.committed(order_id)
    assert as_customer(system, ALICE, "DELETE", f"/orders/{order_id}").status == 202
    assert system.settled(order_id)["status"] == "CANCELLED"
    as_customer(system, BOB, "GET", f"/orders/{order_id}")  # refused: logged, not the token

    logs = {
        worker.service: worker.log.read_text()
        for worker in (system.order, system.inventory, system.payment)
    }
    assert all(order_id in log for log in logs.values())  # the saga is in every log
    secrets = [token("customer", ALICE), token("customer", BOB), token("operator"), "tok_ok"]
    for service, log in logs.items():
        for secret in secrets:
            assert secret not in log, f"{service} logged {secret[:12]}..."
