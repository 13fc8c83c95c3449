"""Inventory's part of the saga on a real broker with 4 partitions, seen over Kafka and HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

import topics
from models.events import (
    OrderCreated,
    PaymentCancelled,
    PaymentFailed,
    PaymentRefunded,
    PaymentStatusUpdated,
)
from tests.integration.conftest import PARTITIONS
from tests.processes import (
    Broker,
    Worker,
    keys_on_distinct_partitions,
    poll,
    publish,
    read_events,
)
from tests.saga import events_by_order, label, order_created, publish_events, saga_event

INVENTORY_TOPICS = [spec.name for spec in topics.INVENTORY_EVENTS]


@pytest.fixture(scope="module")
def inventory(start_worker: Callable[..., Worker]) -> Worker:
    return start_worker("inventory").wait_ready()


class Shop:
    """Products on distinct partitions, and the saga's other services played by the test."""

    def __init__(self, inventory: Worker) -> None:
        self.inventory = inventory
        self.broker: Broker = inventory.broker
        self.stocked: dict[str, int] = {}

    def products(self, *levels: int) -> list[str]:
        ids = keys_on_distinct_partitions(f"p-{uuid4().hex[:6]}", len(levels), int(PARTITIONS))
        for product_id, level in zip(ids, levels, strict=True):
            self.inventory.create_product(id=product_id, name=product_id, price="2.50", stock=level)
            self.stocked[product_id] = level
        return ids

    def level(self, product_id: str) -> tuple[int, int, int]:
        return self.inventory.level(product_id)

    def order(self, **lines: int) -> OrderCreated:
        return order_created(**lines)

    def publish(self, *events: Any) -> None:
        publish_events(self.broker, *events)

    def events(self, *order_ids: str, count: int = 1) -> dict[str, list[dict[str, Any]]]:
        """The inventory events of each order, once each has at least `count`."""
        return events_by_order(self.broker, INVENTORY_TOPICS, *order_ids, count=count)

    def outcomes(self, *order_ids: str, count: int = 1) -> dict[str, list[str]]:
        """The labels of the inventory events of each order, once each has at least `count`."""
        seen = self.events(*order_ids, count=count)
        return {order_id: [label(value) for value in values] for order_id, values in seen.items()}

    def check_balanced(self) -> None:
        for product_id, stocked in self.stocked.items():
            available, reserved, sold = self.level(product_id)
            assert available >= 0
            assert available + reserved + sold == stocked, product_id


@pytest.fixture
def shop(inventory: Worker) -> Shop:
    return Shop(inventory)


def test_an_order_whose_lines_span_partitions_is_reserved_with_its_amount(shop: Shop) -> None:
    a, b = shop.products(5, 5)
    order = shop.order(**{a: 2, b: 1})

    shop.publish(order)

    events = shop.events(order.order_id)[order.order_id]
    assert [label(event) for event in events] == ["INVENTORY.RESERVED"]
    assert events[0]["amount"] == "7.50"
    assert [shop.level(a), shop.level(b)] == [(3, 2, 0), (4, 1, 0)]
    assert shop.inventory.get(f"/reservations/{order.order_id}").body["status"] == "RESERVED"


def test_a_two_line_order_whose_second_line_is_short_leaves_the_first_untouched(
    shop: Shop,
) -> None:
    a, b = shop.products(5, 1)
    order = shop.order(**{a: 2, b: 3})

    shop.publish(order)

    assert shop.outcomes(order.order_id)[order.order_id] == ["INVENTORY.STATUS_UPDATE REJECTED"]
    assert [shop.level(a), shop.level(b)] == [(5, 0, 0), (1, 0, 0)]
    reservation = shop.inventory.get(f"/reservations/{order.order_id}").body
    assert (reservation["status"], reservation["reason"]) == ("REJECTED", f"OUT_OF_STOCK: {b}")


def test_fifty_concurrent_orders_for_ten_in_stock_hold_exactly_ten(shop: Shop) -> None:
    (product,) = shop.products(10)
    orders = [shop.order(**{product: 1}) for _ in range(50)]

    shop.publish(*orders)
    outcomes = shop.outcomes(*(order.order_id for order in orders))

    results = sorted(events[0] for events in outcomes.values())
    assert results.count("INVENTORY.RESERVED") == 10
    assert results.count("INVENTORY.STATUS_UPDATE REJECTED") == 40
    assert shop.level(product) == (0, 10, 0)
    shop.check_balanced()


def test_the_same_order_created_published_twice_holds_stock_once(shop: Shop) -> None:
    (product,) = shop.products(5)
    order = shop.order(**{product: 2})

    shop.publish(order, order)
    shop.outcomes(order.order_id)
    shop.publish(order)
    shop.outcomes(order.order_id, count=2)  # the repeat re-emits the same fact

    assert shop.level(product) == (3, 2, 0)


def test_a_failed_payment_releases_the_stock_and_says_so(shop: Shop) -> None:
    (product,) = shop.products(5)
    order = shop.order(**{product: 2})
    shop.publish(order)
    shop.outcomes(order.order_id)

    shop.publish(saga_event(PaymentFailed, order.order_id, reason="CARD_DECLINED"))

    events = shop.outcomes(order.order_id, count=2)[order.order_id]
    assert sorted(events) == ["INVENTORY.RESERVED", "INVENTORY.STOCK_RELEASED"]
    assert shop.level(product) == (5, 0, 0)


def test_a_completed_payment_commits_and_a_refund_puts_the_sold_stock_back(shop: Shop) -> None:
    (product,) = shop.products(5)
    order = shop.order(**{product: 2})
    shop.publish(order)
    shop.outcomes(order.order_id)

    shop.publish(saga_event(PaymentStatusUpdated, order.order_id, status="COMPLETED"))
    committed = shop.outcomes(order.order_id, count=2)[order.order_id]
    sold = shop.level(product)
    shop.publish(saga_event(PaymentRefunded, order.order_id))
    refunded = shop.outcomes(order.order_id, count=3)[order.order_id]

    assert "INVENTORY.STATUS_UPDATE COMMITTED" in committed
    assert sold == (3, 0, 2)
    assert "INVENTORY.STOCK_RELEASED" in refunded
    assert shop.level(product) == (5, 0, 0)


def test_a_cancel_before_the_order_is_answered_at_once_and_the_order_holds_nothing(
    shop: Shop,
) -> None:
    (product,) = shop.products(5)
    order = shop.order(**{product: 2})

    shop.publish(saga_event(PaymentCancelled, order.order_id))
    first = shop.outcomes(order.order_id)[order.order_id]
    shop.publish(order)
    shop.outcomes(order.order_id, count=2)

    assert first == ["INVENTORY.STOCK_RELEASED"]
    assert shop.level(product) == (5, 0, 0)
    assert shop.inventory.get(f"/reservations/{order.order_id}").body["status"] == "RELEASED"


def test_a_manual_hold_is_all_or_nothing_and_released_on_request(shop: Shop) -> None:
    a, b = shop.products(5, 1)
    inventory = shop.inventory

    short = [{"product_id": a, "quantity": 2}, {"product_id": b, "quantity": 2}]
    refused = inventory.post("/reservations", {"order_id": "m-short", "items": short})
    held = inventory.post(
        "/reservations", {"order_id": f"m-{a}", "items": [{"product_id": a, "quantity": 2}]}
    )
    levels_while_held = shop.level(a)
    released = inventory.delete(f"/reservations/m-{a}")
    again = inventory.delete(f"/reservations/m-{a}")

    assert refused.status == 409 and refused.body["code"] == "OUT_OF_STOCK"
    assert held.status == 201 and held.headers["Location"] == f"/reservations/m-{a}"
    assert (held.body["status"], held.body["amount"]) == ("RESERVED", "5.00")
    assert levels_while_held == (3, 2, 0)
    assert released.status == 200 and released.body["status"] == "RELEASED"
    assert again.status == 200 and again.body["status"] == "RELEASED"
    assert shop.level(a) == (5, 0, 0)


def test_reservation_requests_that_cannot_be_met_answer_404_409_or_400(shop: Shop) -> None:
    (product,) = shop.products(5)
    order = shop.order(**{product: 1})
    shop.publish(order)
    shop.outcomes(order.order_id)
    inventory = shop.inventory
    line = [{"product_id": product, "quantity": 1}]

    saga_owned = inventory.delete(f"/reservations/{order.order_id}")
    duplicate = inventory.post("/reservations", {"order_id": order.order_id, "items": line})
    unknown = inventory.delete("/reservations/no-such-order")
    unknown_get = inventory.get("/reservations/no-such-order")
    twice = inventory.post("/reservations", {"order_id": "m-2", "items": line + line})
    empty = inventory.post("/reservations", {"order_id": "m-3", "items": []})

    assert (saga_owned.status, saga_owned.body["code"]) == (409, "SAGA_OWNED")
    assert (duplicate.status, duplicate.body["code"]) == (409, "RESERVATION_EXISTS")
    assert unknown.status == 404 and unknown_get.status == 404
    assert twice.status == 400 and empty.status == 400
    assert shop.level(product) == (4, 1, 0)


def test_reservations_are_listed_across_partitions_and_filtered_by_status(shop: Shop) -> None:
    a, b = shop.products(1, 0)
    orders = [shop.order(**{a: 1}), shop.order(**{b: 1})]
    shop.publish(*orders)
    shop.outcomes(*(order.order_id for order in orders))

    listed = shop.inventory.get("/reservations?limit=1000").body
    rejected = shop.inventory.get("/reservations?status=REJECTED&limit=1000").body

    listed_ids = {item["order_id"] for item in listed["items"]}
    assert {order.order_id for order in orders} <= listed_ids
    assert listed["total"] == len(listed["items"])
    assert orders[1].order_id in {item["order_id"] for item in rejected["items"]}
    assert all(item["status"] == "REJECTED" for item in rejected["items"])


def test_an_undecodable_event_is_dead_lettered_and_the_stream_goes_on(shop: Shop) -> None:
    (product,) = shop.products(5)
    order = shop.order(**{product: 1})

    publish(shop.broker, "ORDER.CREATED", [(order.order_id, b"{not json"), (order.order_id, b"{}")])
    shop.publish(order)

    assert shop.outcomes(order.order_id)[order.order_id] == ["INVENTORY.RESERVED"]
    letters = read_events(
        shop.broker,
        ["inventory.dead-letters"],
        until=lambda values: sum(v["topic"] == "ORDER.CREATED" for v in values) >= 2,
    )
    errors = [letter["error"] for letter in letters if letter["topic"] == "ORDER.CREATED"]
    assert all(error.startswith("ValueDecodeError") for error in errors)
    origins = {
        f"{letter['topic']}:{letter['partition']}:{letter['offset']}"
        for letter in letters
        if letter["topic"] == "ORDER.CREATED"
    }

    def shown() -> set[str]:
        page = shop.inventory.get("/dead-letters?limit=1000").body
        return {letter["id"] for letter in page["items"]}

    poll(lambda: origins <= shown(), "GET /dead-letters shows the dead letters")
