"""Whatever the order, the duplicates and the mix of the saga's events, an order's status
only moves along the saga's arrows, a repeated message changes nothing, and a
cancellation is confirmed at most once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.order import core
from models.events import (
    InventoryReserved,
    InventoryStatusUpdated,
    OrderLine,
    PaymentCancelled,
    PaymentFailed,
    PaymentRefunded,
    PaymentStatusUpdated,
    PricedLine,
    StockReleased,
    event_id,
)
from models.orders import SETTLED, CancelOrder, NewOrder, Order, PlaceOrder

ORDER_ID = "o-1"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
BODY = NewOrder(customer_id="c-1", items=(OrderLine(product_id="p-1", quantity=2),))
CANCELLABLE = {"PENDING", "RESERVED", "CONFIRMED"}
#: The saga's arrows (core.py's diagram); a cancellation may finish in the same step.
ARROWS = (
    {("PENDING", "RESERVED"), ("PENDING", "CONFIRMED"), ("RESERVED", "CONFIRMED")}
    | {(status, "FAILED") for status in ("PENDING", "RESERVED")}
    | {(status, "CANCELLING") for status in CANCELLABLE}
    | {(status, "CANCELLED") for status in CANCELLABLE | {"CANCELLING"}}
)


def saga(event_type: type, **fields: Any) -> Any:
    kind = event_type.model_fields["type"].default
    return event_type(
        event_id=event_id(ORDER_ID, kind), order_id=ORDER_ID, occurred_at=NOW, **fields
    )


def place(command_id: str) -> PlaceOrder:
    return PlaceOrder(
        command_id=command_id,
        order_id=ORDER_ID,
        order=BODY,
        fingerprint=BODY.fingerprint(),
        issued_at=NOW,
    )


MESSAGES = [
    place("first"),
    place("retried"),
    CancelOrder(order_id=ORDER_ID, issued_at=NOW),
    saga(
        InventoryReserved,
        items=(PricedLine(product_id="p-1", quantity=2, unit_price=Decimal("4.50")),),
        amount=Decimal("9.00"),
    ),
    saga(InventoryStatusUpdated, status="REJECTED", reason="OUT_OF_STOCK"),
    saga(InventoryStatusUpdated, status="COMMITTED"),
    saga(StockReleased, reason="CANCELLED"),
    saga(PaymentStatusUpdated, status="PENDING"),
    saga(PaymentStatusUpdated, status="COMPLETED"),
    saga(PaymentFailed, reason="CARD_DECLINED"),
    saga(PaymentCancelled),
    saga(PaymentRefunded),
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(MESSAGES), max_size=14), st.data())
def test_an_order_moves_only_along_the_sagas_arrows_whatever_comes(
    messages: list[Any], repeats: st.DataObject
) -> None:
    order: Order | None = None
    confirmations = 0
    for step, message in enumerate(messages):
        now = NOW + timedelta(seconds=step)
        decision = core.decide(order, message, now)
        after = decision.state
        if order is not None and after is not None and after.status != order.status:
            assert order.status not in {"FAILED", "CANCELLED"}, (order.status, message)
            assert (order.status, after.status) in ARROWS, (order.status, after.status, message)
        confirmations += sum(e.type == "ORDER.CANCELLED_CONFIRMED" for e in decision.events)
        order = after

        if repeats.draw(st.booleans()):  # the same message delivered again at once
            again = core.decide(order, message, now)
            assert not again.changed and again.state == order, message
            if not isinstance(message, PlaceOrder):
                assert not again.events, message

    assert confirmations <= 1
    if order is not None:
        assert [change.status for change in order.history][-1] == order.status
        assert (order.status == "CANCELLED") == (confirmations == 1)
        assert order.status in SETTLED | {"PENDING", "RESERVED", "CANCELLING"}
