"""Admission control on a real order worker: past its bound of open sagas, new orders
are refused at once with 429 and Retry-After, and are never created."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from models.events import InventoryStatusUpdated
from models.orders import order_id_for_key
from tests.processes import Worker, poll
from tests.saga import publish_events, saga_event

BOUND = 2
ORDER = {"customer_id": "c-1", "items": [{"product_id": "p-1", "quantity": 1}]}


@pytest.fixture(scope="module")
def orders(start_worker: Callable[..., Worker]) -> Worker:
    """An order worker alone: nothing answers its sagas, so they stay open until told."""
    return start_worker("order", OMS_MAX_OPEN_SAGAS=str(BOUND)).wait_ready()


def place(orders: Worker, key: str) -> tuple[int, dict[str, str], dict[str, object]]:
    response = orders.post("/orders", ORDER, headers={"Idempotency-Key": key})
    return response.status, response.headers, response.body


def test_past_the_bound_an_order_is_refused_at_once_and_never_created(orders: Worker) -> None:
    opened = [place(orders, f"open-{n}") for n in range(BOUND)]

    status, headers, body = place(orders, "one-too-many")

    assert [status for status, _, _ in opened] == [201] * BOUND
    assert (status, headers["Retry-After"], body["code"]) == (429, "1", "OVERLOADED")
    assert orders.get(f"/orders/{order_id_for_key('c-1', 'one-too-many')}").status == 404


def test_an_order_is_taken_again_once_a_saga_settles(orders: Worker) -> None:
    for n in range(BOUND):  # open (or, after the test above, already open)
        place(orders, f"open-{n}")
    first = order_id_for_key("c-1", "open-0")
    assert place(orders, "waits-for-room")[0] == 429

    publish_events(orders.broker, saga_event(InventoryStatusUpdated, first, status="REJECTED"))
    poll(lambda: orders.get(f"/orders/{first}").body["status"] == "FAILED", "the order failed")

    assert place(orders, "waits-for-room")[0] == 201
