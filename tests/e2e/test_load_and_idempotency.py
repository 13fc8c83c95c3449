"""Concurrency end to end: many orders for little stock, and one order per idempotency key."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.conftest import System


def test_a_hundred_concurrent_orders_for_twenty_in_stock_confirm_exactly_twenty(
    system: System,
) -> None:
    product = system.product(stock=20)

    with ThreadPoolExecutor(max_workers=20) as pool:
        placed = list(pool.map(lambda _: system.place("tok_ok", **{product: 1}), range(100)))
        orders = list(pool.map(lambda order: system.settled(order["id"]), placed))

    outcomes = [(order["status"], (order["reason"] or "").split(":")[0]) for order in orders]
    assert outcomes.count(("CONFIRMED", "")) == 20
    assert outcomes.count(("FAILED", "OUT_OF_STOCK")) == 80
    system.poll(
        lambda: system.level(product) == (0, 0, 20),
        f"{product} at 0 available, 0 reserved, 20 sold",
    )


def test_twenty_identical_posts_with_one_idempotency_key_make_one_order(system: System) -> None:
    product = system.product(stock=50)
    customer = f"c-{uuid4().hex[:8]}"
    body = {"customer_id": customer, "items": [{"product_id": product, "quantity": 1}]}
    key = uuid4().hex

    def post(_: int) -> Any:
        return system.order.post("/orders", body, headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(post, range(20)))

    assert {response.status for response in responses} == {201}
    assert len({response.body["id"] for response in responses}) == 1
    listed = system.order.get(f"/orders?customer_id={customer}").body
    assert listed["total"] == 1
    system.settled(responses[0].body["id"])
    system.poll(
        lambda: system.level(product) == (49, 0, 1),
        f"{product} at 49 available, 0 reserved, 1 sold",
    )


def test_the_same_key_with_another_body_is_a_conflict(system: System) -> None:
    product = system.product(stock=5)
    key = uuid4().hex
    first = {"customer_id": "c1", "items": [{"product_id": product, "quantity": 1}]}
    second = {"customer_id": "c1", "items": [{"product_id": product, "quantity": 2}]}

    assert system.order.post("/orders", first, headers={"Idempotency-Key": key}).status == 201
    response = system.order.post("/orders", second, headers={"Idempotency-Key": key})

    assert (response.status, response.body["code"]) == (409, "IDEMPOTENCY_CONFLICT")


def line(product: str = "p", quantity: int = 1) -> dict[str, Any]:
    return {"product_id": product, "quantity": quantity}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customer_id": "c1", "items": []}, "items"),
        ({"customer_id": "c1", "items": [line(f"p{n}") for n in range(101)]}, "items"),
        ({"customer_id": "c1", "items": [line(quantity=0)]}, "items.0.quantity"),
        ({"customer_id": "c1", "items": [line(quantity=10_001)]}, "items.0.quantity"),
        ({"customer_id": "c1", "items": [line(), line()]}, "body"),
        ({"customer_id": "c1", "items": [line()], "coupon": "FREE"}, "coupon"),
        ({"items": [line()]}, "customer_id"),
    ],
)
def test_an_invalid_order_is_400_naming_the_field(
    system: System, body: dict[str, Any], field: str
) -> None:
    response = system.order.post("/orders", body)

    assert response.status == 400
    assert field in {detail["field"] for detail in response.body["details"]}


def test_bad_queries_and_unknown_orders_answer_400_and_404(system: System) -> None:
    assert system.order.get("/orders/no-such-order").status == 404
    assert system.order.get("/orders/whatever?wait=31").status == 400
    assert system.order.get("/orders?status=LOST").status == 400
    long_key = {"Idempotency-Key": "k" * 256}
    body = {"customer_id": "c1", "items": [line()]}
    assert system.order.post("/orders", body, headers=long_key).status == 400
